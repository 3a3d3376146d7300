/*
 * test_worker.c - the verification thread pool: a blocked job does not
 * block the event loop, completions run on the loop thread, and a full
 * queue refuses work instead of growing without bound.
 */
#include "config.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "tap.h"
#include "worker.h"

static sem_t release;
static pthread_t loop_thread;
static int done_count, done_on_loop = 1, timer_fired;
static struct event_base *base;

static int
blocking_work(void *arg)
{
	/* Waits for the loop's timer: a blocked loop would never post it. */
	sem_wait(&release);
	return WORKER_DONE;
}

static int
quick_work(void *arg)
{
	(void)arg;
	return WORKER_DONE;
}

static void
count_done(void *arg)
{
	if (!pthread_equal(pthread_self(), loop_thread))
		done_on_loop = 0;
	if (++done_count == 2)
		event_base_loopexit(base, NULL);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	timer_fired = 1;
	sem_post(&release);
}

int
main(void)
{
	struct worker_pool *pool, *tiny;
	struct event *timer;
	struct timeval ms10 = { 0, 10000 };
	char err[256];
	int r1, r2, r3;

	tap_plan(7);
	alarm(20);	/* a deadlock fails the test instead of hanging it */
	evthread_use_pthreads();
	sem_init(&release, 0, 0);
	loop_thread = pthread_self();
	base = event_base_new();
	pool = worker_pool_new(base, 2, 8, err, sizeof(err));
	ok(pool != NULL, "pool starts");
	ok(worker_submit(pool, blocking_work, count_done, NULL) == 0,
	    "blocking job queued");
	ok(worker_submit(pool, quick_work, count_done, NULL) == 0,
	    "quick job queued");
	timer = evtimer_new(base, on_timer, NULL);
	evtimer_add(timer, &ms10);
	/* The pool's completion event is never 'added': don't exit on empty. */
	event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
	ok(timer_fired, "the loop ran a timer while a job was blocked");
	is_int(done_count, 2, "both completions delivered");
	ok(done_on_loop, "completions run on the loop thread");

	/* One thread, queue of 1: the third submission must be refused. */
	tiny = worker_pool_new(base, 1, 1, err, sizeof(err));
	/*
	 * Whether or not the thread has taken job 1 yet, by the third
	 * submission one job is waiting and the queue is full.
	 */
	r1 = worker_submit(tiny, blocking_work, count_done, NULL);
	r2 = worker_submit(tiny, quick_work, count_done, NULL);
	r3 = worker_submit(tiny, quick_work, count_done, NULL);
	ok(r1 == 0 && r3 == -1, "a full queue refuses work (%d %d %d)", r1,
	    r2, r3);
	sem_post(&release);
	worker_pool_free(tiny);
	worker_pool_free(pool);
	event_free(timer);
	event_base_free(base);
	libevent_global_shutdown();
	return tap_done();
}
