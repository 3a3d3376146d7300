/*
 * hostcall.c - a plugin of the current ABI that calls a host function by
 * name instead of going through the services table.  pvacms exports no
 * functions, so loading it must fail on the unresolved symbol; a host
 * that leaks its internals loads it, and init() then refuses to start
 * so that the mistake is loud and quick rather than a quiet success.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pvacms/authn.h"

/*
 * The signer of host/pvacms/ca.h, declared here because a plugin has no
 * host header to include.  Only the name matters: it must stay an
 * undefined symbol of this module, which only an exporting host resolves.
 */
struct ca;
struct ca_subject;
void *ca_sign_leaf(struct ca *, void *, const struct ca_subject *, int,
    int64_t, int64_t, int (*)(void *, uint64_t), void *, char *, size_t);

static int
hostcall_init(const struct pvacms_host_services *services, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "hostcall.so was loaded: pvacms exports its "
	    "internals to plugins");
	return -1;
}

static void
hostcall_verify(const struct pvacms_authn_request *req,
    struct pvacms_authn_result *result)
{
	char err[64];

	/* Never reached: init() refuses.  The call is here to be linked. */
	(void)ca_sign_leaf(NULL, NULL, NULL, 0, 0, 0, NULL, NULL, err,
	    sizeof(err));
}

__attribute__((visibility("default")))
const struct pvacms_authn_plugin pvacms_authn_plugin = {
	.abi_version = PVACMS_AUTHN_ABI_VERSION,
	.name = "hostcall",
	.description = "test plugin that calls a host function by name",
	.init = hostcall_init,
	.verify = hostcall_verify,
};
