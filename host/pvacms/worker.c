/*
 * worker.c - thread pool with completions delivered to the event loop.
 *
 * Jobs move queue -> a worker runs work() -> finished list -> one libevent
 * event (activated from the worker, which is why evthread locking must be
 * on) drains the finished list on the loop thread and calls done().
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "worker.h"

struct job {
	worker_work_fn work;
	worker_fn done;
	void *arg;
	struct job *next;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *queue_head, *queue_tail;	/* waiting for a thread */
	struct job *finished;			/* waiting for done() */
	size_t queued, max_queued, pending;
	int stopping;
	int nthreads;
	pthread_t *threads;
	struct event *done_ev;
};

static void *worker_main(void *);
static void worker_drain(evutil_socket_t, short, void *);

static void *
worker_main(void *arg)
{
	struct worker_pool *pool = arg;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (pool->queue_head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (pool->queue_head == NULL) {
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		job = pool->queue_head;
		pool->queue_head = job->next;
		if (pool->queue_head == NULL)
			pool->queue_tail = NULL;
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);

		if (job->work(job->arg) == WORKER_HANDED_ON) {
			pthread_mutex_lock(&pool->lock);
			pool->pending--;
			pthread_mutex_unlock(&pool->lock);
			free(job);
			continue;
		}

		pthread_mutex_lock(&pool->lock);
		job->next = pool->finished;
		pool->finished = job;
		pthread_mutex_unlock(&pool->lock);
		event_active(pool->done_ev, EV_READ, 0);
	}
}

/* On the loop thread: run done() for every finished job, oldest first. */
static void
worker_drain(evutil_socket_t fd, short what, void *arg)
{
	struct worker_pool *pool = arg;
	struct job *list, *rev = NULL, *next;

	pthread_mutex_lock(&pool->lock);
	list = pool->finished;
	pool->finished = NULL;
	pthread_mutex_unlock(&pool->lock);
	for (; list != NULL; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev != NULL; rev = next) {
		next = rev->next;
		rev->done(rev->arg);
		pthread_mutex_lock(&pool->lock);
		pool->pending--;
		pthread_mutex_unlock(&pool->lock);
		free(rev);
	}
}

struct worker_pool *
worker_pool_new(struct event_base *base, int nthreads, size_t max_queued,
    char *err, size_t errlen)
{
	struct worker_pool *pool;
	int i, r;

	if ((pool = calloc(1, sizeof(*pool))) == NULL ||
	    (pool->threads = calloc((size_t)nthreads,
	    sizeof(pthread_t))) == NULL) {
		free(pool);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->max_queued = max_queued;
	pool->done_ev = event_new(base, -1, 0, worker_drain, pool);
	if (pool->done_ev == NULL) {
		snprintf(err, errlen, "cannot create completion event");
		worker_pool_free(pool);
		return NULL;
	}
	for (i = 0; i < nthreads; i++) {
		if ((r = pthread_create(&pool->threads[i], NULL, worker_main,
		    pool)) != 0) {
			snprintf(err, errlen, "cannot start worker thread: %s",
			    strerror(r));
			worker_pool_free(pool);
			return NULL;
		}
		pool->nthreads++;
	}
	return pool;
}

int
worker_submit(struct worker_pool *pool, worker_work_fn work, worker_fn done,
    void *arg)
{
	struct job *job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return -1;
	job->work = work;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&pool->lock);
	if (pool->stopping || pool->queued >= pool->max_queued) {
		pthread_mutex_unlock(&pool->lock);
		free(job);
		return -1;
	}
	if (pool->queue_tail != NULL)
		pool->queue_tail->next = job;
	else
		pool->queue_head = job;
	pool->queue_tail = job;
	pool->queued++;
	pool->pending++;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

void
worker_cancel_queued(struct worker_pool *pool)
{
	struct job *job, *next;
	int any = 0;

	pthread_mutex_lock(&pool->lock);
	for (job = pool->queue_head; job != NULL; job = next) {
		next = job->next;
		job->next = pool->finished;
		pool->finished = job;
		any = 1;
	}
	pool->queue_head = pool->queue_tail = NULL;
	pool->queued = 0;
	pthread_mutex_unlock(&pool->lock);
	if (any)
		event_active(pool->done_ev, EV_READ, 0);
}

size_t
worker_pending(const struct worker_pool *pool)
{
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)&pool->lock);
	n = pool->pending;
	pthread_mutex_unlock((pthread_mutex_t *)&pool->lock);
	return n;
}

void
worker_pool_free(struct worker_pool *pool)
{
	int i;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	if (pool->done_ev != NULL) {
		worker_drain(-1, 0, pool);
		event_free(pool->done_ev);
	}
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}
