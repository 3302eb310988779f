import NIOCore

/// Adds TLS termination with `context` to a newly accepted connection. Call it first in the child channel
/// initializer, before any HTTP handler, so that everything after it sees plaintext.
///
/// The proxy should then mark requests from this frontend with `X-Forwarded-Proto: https` and set `Secure`
/// on its persistence cookie. What was negotiated arrives as a `TLSHandshakeCompleted` user event, and is
/// also readable from the handler (`pipeline.handler(type: TLSServerHandler.self)`).
public func addTLSServerHandler(to pipeline: ChannelPipeline.SynchronousOperations, context: TLSContext) throws {
    try pipeline.addHandler(TLSServerHandler(context: context), position: .first)
}
