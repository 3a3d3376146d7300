/*
 * badabi.c - a plugin built against a future, incompatible ABI.  The host
 * must refuse it before calling anything in it; every function here
 * aborts so that a host which forgot the check fails loudly.
 */
#include <stdlib.h>

#include "pvacms/authn.h"

static int
badabi_init(const struct pvacms_host_services *services, char *err,
    size_t errlen)
{
	abort();
}

static void
badabi_verify(const struct pvacms_authn_request *req,
    struct pvacms_authn_result *result)
{
	abort();
}

__attribute__((visibility("default")))
const struct pvacms_authn_plugin pvacms_authn_plugin = {
	.abi_version = (99U << 16) | 0U,
	.name = "badabi",
	.description = "test plugin with a wrong ABI version",
	.init = badabi_init,
	.verify = badabi_verify,
};
