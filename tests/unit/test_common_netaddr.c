/*
 * test_common_netaddr.c - the address text in the daemon's "listening"
 * lines and in every per-peer log line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "netaddr.h"
#include "tap.h"

int
main(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	char buf[64], tiny[6];

	tap_plan(5);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5075);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	netaddr_text((struct sockaddr *)&sin, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:5075", "IPv4 is address:port");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(8443);
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	netaddr_text((struct sockaddr *)&sin6, buf, sizeof(buf));
	is_str(buf, "[2001:db8::1]:8443", "IPv6 is [address]:port");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	netaddr_text((struct sockaddr *)&sun, buf, sizeof(buf));
	is_str(buf, "?", "another family is ?");

	netaddr_text((struct sockaddr *)&sin, tiny, sizeof(tiny));
	is_str(tiny, "127.0", "a short buffer is truncated and terminated");

	memset(buf, 'x', sizeof(buf));
	netaddr_text((struct sockaddr *)&sin, buf, 0);
	ok(buf[0] == 'x', "a zero-length buffer is left alone");

	return tap_done();
}
