// CNetlink: the Linux rtnetlink, AF_PACKET and ICMPv6 definitions that Glibc does not expose to Swift.
//
// <net/if.h> must come before any <linux/if*.h>: the two define the same structures and the glibc one wins
// only when it is first. <linux/if_arp.h> is left out on purpose (it conflicts with <net/if_arp.h>).
#ifndef CNETLINK_SHIM_H
#define CNETLINK_SHIM_H

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <linux/capability.h>
#include <sys/syscall.h>

/// NLMSG_ALIGN as a function (the macro does not import into Swift).
static inline unsigned int CNetlink_NLMSG_ALIGN(unsigned int length) { return NLMSG_ALIGN(length); }

/// NLMSG_HDRLEN as a function.
static inline unsigned int CNetlink_NLMSG_HDRLEN(void) { return NLMSG_HDRLEN; }

/// RTA_ALIGN as a function.
static inline unsigned int CNetlink_RTA_ALIGN(unsigned int length) { return RTA_ALIGN(length); }

/// RTA_LENGTH as a function: header plus payload, unpadded.
static inline unsigned int CNetlink_RTA_LENGTH(unsigned int payload) { return RTA_LENGTH(payload); }

/// Reads the hardware (MAC) address of `name` with SIOCGIFHWADDR on socket `fd` (any socket of the right
/// network namespace). Writes 6 bytes to `out`; returns 0 or -1 with errno set.
static inline int CNetlink_get_hwaddr(int fd, const char *name, unsigned char *out) {
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    if (strlen(name) >= IFNAMSIZ) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
        return -1;
    }
    memcpy(out, request.ifr_hwaddr.sa_data, 6);
    return 0;
}

/// Reads the interface index of `name` with SIOCGIFINDEX on socket `fd`: unlike if_nametoindex(3), it
/// answers for the network namespace of `fd`'s socket. Returns the index or -1 with errno set.
static inline int CNetlink_get_ifindex(int fd, const char *name) {
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    if (strlen(name) >= IFNAMSIZ) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFINDEX, &request) != 0) {
        return -1;
    }
    return request.ifr_ifindex;
}

/// The kernel's receive time (CLOCK_REALTIME, nanoseconds) of the last packet read from socket `fd`
/// (SIOCGSTAMPNS): when it arrived, not when a busy reader got to it. The first call on a socket switches
/// stamping on (a packet received before that is stamped when asked), so call it once before reading.
/// Returns -1 with errno set on failure (ENOENT before any packet).
static inline long long CNetlink_last_receive_time_ns(int fd) {
    struct timespec stamp;
    if (ioctl(fd, SIOCGSTAMPNS, &stamp) != 0) {
        return -1;
    }
    return (long long)stamp.tv_sec * 1000000000LL + stamp.tv_nsec;
}

/// Moves the calling thread into the network namespace open at `fd` (setns(2) with CLONE_NEWNET).
/// Only this thread changes namespace; sockets it creates afterwards belong to that namespace.
static inline int CNetlink_enter_network_namespace(int fd) {
    extern int setns(int fd, int nstype);
    return setns(fd, 0x40000000 /* CLONE_NEWNET */);
}

/// Makes the calling thread's effective uid and gid `uid` and `gid` while file access stays root's, or with 0 and
/// 0 makes it root again. Raw syscalls change this thread only (glibc's setresuid changes every thread), and
/// SO_PEERCRED reports the effective ids of the thread that connected: a test connects between two calls to
/// be a peer of another user without giving up the process's privileges. Returns 0 or -1 with errno set.
static inline int CNetlink_set_thread_effective_ids(unsigned int uid, unsigned int gid) {
    if (uid == 0) {
        // Back to root first: only root may then pick any gid.
        if (syscall(SYS_setresuid, -1, 0, -1) != 0 || syscall(SYS_setresgid, -1, gid, -1) != 0) {
            return -1;
        }
        return 0;
    }
    if (syscall(SYS_setresgid, -1, gid, -1) != 0 || syscall(SYS_setresuid, -1, uid, -1) != 0) {
        return -1;
    }
    // Allowed because the real ids stay 0; brings back the file-system capabilities (CAP_DAC_OVERRIDE).
    syscall(SYS_setfsgid, 0);
    syscall(SYS_setfsuid, 0);
    return 0;
}

/// Adds (`enabled` != 0) or removes capability `capability` (e.g. CAP_NET_ADMIN = 12) from the calling
/// thread's effective set; it stays permitted, so it can be raised again. Capabilities are per thread, and
/// netlink and packet sockets remember the capabilities of the thread that opened them, which lets a test
/// prove the helper's "needs CAP_NET_ADMIN" errors without giving up the process's privileges.
/// Returns 0 or -1 with errno set.
static inline int CNetlink_set_effective_capability(int capability, int enabled) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (capability < 0 || capability >= 64) {
        errno = EINVAL;
        return -1;
    }
    if (syscall(SYS_capget, &header, data) != 0) {
        return -1;
    }
    unsigned int bit = 1u << (capability % 32);
    if (enabled) {
        data[capability / 32].effective |= bit;
    } else {
        data[capability / 32].effective &= ~bit;
    }
    return (int)syscall(SYS_capset, &header, data);
}

#endif
