/*
 * worker.h - a small pool of threads for work that may block (plugin
 * verification, which may call a slow validator).  Each job runs `work`
 * on a worker thread and then `done` back on the event-loop thread, so
 * the loop itself never waits and everything after verification (signing,
 * the database, the reply) stays single-threaded.
 */
#ifndef PVACMS_WORKER_H
#define PVACMS_WORKER_H

#include <stddef.h>

struct event_base;
struct worker_pool;

typedef void (*worker_fn)(void *arg);

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
int worker_submit(struct worker_pool *pool, worker_fn work, worker_fn done,
    void *arg);

/* Jobs queued or running whose done() has not run yet. */
size_t worker_pending(const struct worker_pool *pool);

/* Stop the threads after the jobs in hand; done() callbacks still run. */
void worker_pool_free(struct worker_pool *pool);

#endif
