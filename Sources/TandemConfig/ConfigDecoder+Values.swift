import Yams

/// Readers for single values. Each has the shape `(Node, ConfigPath) -> T?`: it returns nil after reporting
/// why the value was rejected. Readers with parameters return such a function.
extension ConfigDecoder {
    /// The text of a scalar of any type, for values that are validated by their own grammar
    /// (durations, addresses); nil with an error for mappings, lists and empty values.
    func scalarText(_ node: Node, _ path: ConfigPath, expected: String) -> String? {
        guard case .scalar(let scalar) = node, Self.describe(node) != "nothing" else {
            report(path, at: node, "expected \(expected), got \(Self.describe(node))")
            return nil
        }
        return scalar.string
    }

    /// A non-empty string; a number, boolean or null where a string belongs is an error (quote it to force a
    /// string).
    func string(_ node: Node, _ path: ConfigPath) -> String? {
        guard case .scalar(let scalar) = node, scalar.style != .plain || node.tag.rawValue == Tag.Name.str.rawValue
        else {
            report(path, at: node, "expected a string, got \(Self.describe(node))")
            return nil
        }
        guard !scalar.string.isEmpty else {
            report(path, at: node, "must not be empty")
            return nil
        }
        return scalar.string
    }

    /// A file system path: a non-empty string.
    func path(_ node: Node, _ path: ConfigPath) -> String? {
        string(node, path)
    }

    /// A name for a node, frontend, backend or server: 1-63 characters of `[A-Za-z0-9._-]`, safe in logs,
    /// metrics labels and admin commands.
    func name(_ node: Node, _ path: ConfigPath) -> String? {
        guard let text = string(node, path) else {
            return nil
        }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || ".-_".unicodeScalars.contains(scalar))
        }
        guard allowed, text.count <= 63 else {
            report(path, at: node, "must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' and '-', got \"\(text)\"")
            return nil
        }
        return text
    }

    /// `true` or `false` (YAML 1.1's yes/no/on/off are refused as ambiguous).
    func bool(_ node: Node, _ path: ConfigPath) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        report(path, at: node, "expected true or false, got \(Self.describe(node))")
        return nil
    }

    /// A plain YAML decimal integer in `range` (a quoted "3" is a string, not an integer).
    func integer(in range: ClosedRange<Int>) -> (Node, ConfigPath) -> Int? {
        { node, path in
            guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Self.decimal(scalar.string)
            else {
                self.report(path, at: node, "expected an integer, got \(Self.describe(node))")
                return nil
            }
            guard range.contains(value) else {
                self.report(path, at: node, "\(Self.rangeRule(range)), got \(value)")
                return nil
            }
            return value
        }
    }

    /// A duration string with a unit, at least `minimum`.
    func duration(atLeast minimum: Duration = .zero) -> (Node, ConfigPath) -> Duration? {
        { node, path in
            guard case .scalar(let scalar) = node, let value = Duration(configString: scalar.string) else {
                let text = node.scalar?.string ?? ""
                let isBareNumber = !text.isEmpty && Duration(configString: text + "s") != nil
                let hint = isBareNumber ? " (add a unit: us, ms, s, m or h)" : ""
                let got = Self.describe(node)
                self.report(path, at: node, "expected a duration like 100ms, 2s or 5m, got \(got)\(hint)")
                return nil
            }
            guard value >= minimum else {
                self.report(path, at: node, "must be at least \(minimum.configDescription), got \(scalar.string)")
                return nil
            }
            return value
        }
    }

    /// A duration greater than zero, for intervals and timeouts.
    func positiveDuration(_ node: Node, _ path: ConfigPath) -> Duration? {
        guard let value = duration()(node, path) else {
            return nil
        }
        guard value > .zero else {
            report(path, at: node, "must be greater than 0")
            return nil
        }
        return value
    }

    /// `IPv4:port` or `[IPv6]:port`.
    func socketAddress(_ node: Node, _ path: ConfigPath) -> SocketAddressSpec? {
        guard let text = scalarText(node, path, expected: "an address like 198.18.0.1:80 or [::1]:80") else {
            return nil
        }
        do {
            return try SocketAddressSpec.parse(text, allowPortZero: false)
        } catch {
            report(path, at: node, error.message)
            return nil
        }
    }

    /// `address/prefix`.
    func cidr(_ node: Node, _ path: ConfigPath) -> CIDRSpec? {
        guard let text = scalarText(node, path, expected: "an address with a prefix length like 198.18.0.100/24")
        else {
            return nil
        }
        do {
            return try CIDRSpec.parse(text)
        } catch {
            report(path, at: node, error.message)
            return nil
        }
    }

    /// An IPv4 or IPv6 literal, with its family (true for IPv6).
    func ipAddress(_ node: Node, _ path: ConfigPath) -> (address: String, isIPv6: Bool)? {
        guard let text = scalarText(node, path, expected: "an IP address like 198.18.0.1") else {
            return nil
        }
        guard let isIPv6 = IPAddressLiteral.family(of: text) else {
            report(path, at: node, "\"\(text)\" is not an IPv4 or IPv6 address")
            return nil
        }
        return (text, isIPv6)
    }

    /// One of an enum's raw values, listing them when the value is not one.
    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) -> (Node, ConfigPath) -> Choice?
    where Choice.RawValue == String {
        { node, path in
            let options = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            guard case .scalar(let scalar) = node, let value = Choice(rawValue: scalar.string) else {
                self.report(path, at: node, "expected one of: \(options); got \(Self.describe(node))")
                return nil
            }
            return value
        }
    }

    /// A list whose items are read by `item`; invalid items are reported and left out.
    func list<Item>(nonEmpty: Bool, _ item: @escaping (Node, ConfigPath) -> Item?) -> (Node, ConfigPath) -> [Item]? {
        { node, path in
            guard case .sequence(let sequence) = node else {
                self.report(path, at: node, "expected a list, got \(Self.describe(node))")
                return nil
            }
            if nonEmpty && sequence.isEmpty {
                self.report(path, at: node, "must not be empty")
                return nil
            }
            return sequence.enumerated().compactMap { index, element in item(element, path.index(index)) }
        }
    }

    private static func decimal(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(text)
    }

    private static func rangeRule(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (1, Int.max): return "must be a positive integer"
        case (0, Int.max): return "must be zero or a positive integer"
        case (let lower, Int.max): return "must be at least \(lower)"
        case (let lower, let upper): return "must be between \(lower) and \(upper)"
        }
    }
}
