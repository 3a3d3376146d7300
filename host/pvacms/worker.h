/*
 * worker.h - a small pool of threads for the work of a request that
 * costs CPU or may block: checking the CSR, the plugin's verification
 * (which may call a slow validator), signing.  Each job runs `work` on a
 * worker thread and then, unless work handed the job on (to the
 * recorder, recorder.h), `done` back on the event-loop thread, so the
 * loop itself never waits.
 */
#ifndef PVACMS_WORKER_H
#define PVACMS_WORKER_H

#include <stddef.h>

struct event_base;
struct worker_pool;

typedef void (*worker_fn)(void *arg);

/* WORKER_DONE: run done(arg) on the loop; WORKER_HANDED_ON: do not. */
#define WORKER_DONE		0
#define WORKER_HANDED_ON	1
typedef int (*worker_work_fn)(void *arg);

/*
 * Start nthreads workers whose completions run on base.  max_queued bounds
 * the jobs waiting for a thread.  Returns NULL with err set.  Requires
 * evthread_use_pthreads() to have been called.
 */
struct worker_pool *worker_pool_new(struct event_base *base, int nthreads,
    size_t max_queued, char *err, size_t errlen);

/*
 * Queue a job.  0 on success; -1 when the queue is full or the pool is
 * stopping (the caller answers 503).  arg is owned by the caller and must
 * live until done(arg) has run.
 */
int worker_submit(struct worker_pool *pool, worker_work_fn work,
    worker_fn done, void *arg);

/*
 * Take every job still waiting for a thread out of the queue and hand it
 * to its done() without running work() (the job must tell by itself that
 * it never ran).  For shutting down: nothing new starts.  Any thread.
 */
void worker_cancel_queued(struct worker_pool *pool);

/* Jobs queued or running whose done() has not run yet. */
size_t worker_pending(const struct worker_pool *pool);

/* Stop the threads after the jobs in hand; done() callbacks still run. */
void worker_pool_free(struct worker_pool *pool);

#endif
