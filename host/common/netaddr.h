/*
 * netaddr.h - a socket address as people read it in log lines.
 */
#ifndef PVACMS_NETADDR_H
#define PVACMS_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Write sa into buf (len bytes) as "192.0.2.1:5075" for IPv4 and
 * "[2001:db8::1]:5075" for IPv6, or "?" for any other family; truncated
 * to fit and always NUL-terminated.
 */
void netaddr_text(const struct sockaddr *sa, char *buf, size_t len);

#endif
