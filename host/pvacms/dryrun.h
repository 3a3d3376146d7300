/*
 * dryrun.h - pvacms --dry-run: decide one token offline through a
 * plugin's dry_run (its local checks and Lua hooks, no network) and the
 * host's own subject and validity checks, then print the outcome.  Opens
 * no CA, no database, no listener and no audit log.
 */
#ifndef PVACMS_DRYRUN_H
#define PVACMS_DRYRUN_H

struct config;
struct plugin;

/*
 * Run the dry run of cfg (--token, --usage, --response,
 * --response-status, --now) through plugin p, which is initialized.
 * Prints the block on stdout.  Returns the exit status: 0 ALLOW, 1 DENY
 * or ERROR (or a file that cannot be read, with a line on stderr).
 */
int dryrun_run(struct plugin *p, const struct config *cfg);

#endif
