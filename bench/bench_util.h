/*
 * bench/bench_util.h - what the rate benchmarks share (issue_rate over
 * HTTPS, create_rate over PVAccess): option parsing, monotonic time and
 * deadlines, reading an input file, a libcurl handle and the token pool
 * fetched from the sample issuer before a window, the /proc CPU reading,
 * a thread harness over n clients, and the report lines both print the
 * same way.
 *
 * A benchmark's client structure begins with a struct bench_client; the
 * functions that take "cl, stride, n" walk n such structures laid out
 * stride bytes apart (an array of the benchmark's own type).
 */
#ifndef PVACMS_BENCH_UTIL_H
#define PVACMS_BENCH_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <curl/curl.h>

#define BENCH_MAX_CLIENTS	64
#define BENCH_MAX_SECS		600
#define BENCH_MAX_TOKENS	100000	/* per client */
#define BENCH_MAX_TOKEN		8192	/* bytes of one token */
#define BENCH_ERR_LEN		200	/* longest first error kept */

/* What every benchmark client has: its tokens, window and counts. */
struct bench_client {
	int		 id;
	char		**tok;		/* owned: bench_client_free */
	int		 ntok;
	struct timespec	 deadline;	/* end of the window */
	long		 ok;
	double		 busy_ms;	/* sum of request times */
	int		 exhausted;	/* ran out of tokens early */
	size_t		 err_cap;	/* first_err bytes used (0: all) */
	char		 first_err[BENCH_ERR_LEN];
};

/* A growing buffer for one libcurl answer, capped at cap - 1 bytes. */
struct bench_buf {
	char		*p;		/* owned by whoever filled it in */
	size_t		 len;
	size_t		 cap;
	int		 overflow;
};

/* The options both take (BENCH_LONGOPTS), read only once threads run. */
struct bench_opts {
	const char	*token_url;	/* holds the issuer's password */
	const char	*usage;		/* "client" unless told */
	int		 clients;
	int		 secs;
	int		 tokens;	/* per client */
	int		 timeout_ms;
	int		 cpu_pid;	/* 0: none */
};

/* The getopt_long entries of bench_opts, and the end of the table. */
#define BENCH_LONGOPTS \
	{ "token-url", required_argument, NULL, 't' }, \
	{ "clients", required_argument, NULL, 'n' }, \
	{ "secs", required_argument, NULL, 's' }, \
	{ "tokens", required_argument, NULL, 'k' }, \
	{ "timeout-ms", required_argument, NULL, 'T' }, \
	{ "usage", required_argument, NULL, 'u' }, \
	{ "cpu-pid", required_argument, NULL, 'P' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }

/* The CPU time a window cost, ms, -1 when it could not be read. */
struct bench_cpu {
	double		 server_ms;	/* the --cpu-pid process */
	double		 client_ms;	/* this process */
};

/* Options and time. */
void	 bench_opts_init(struct bench_opts *o);
/* Option ch of BENCH_LONGOPTS: 1 taken, 0 not one of them, -1 bad. */
int	 bench_opts_take(struct bench_opts *o, int ch, const char *arg);
int	 bench_parse_int(const char *s, int lo, int hi, int *out);
double	 bench_now_ms(void);
void	 bench_deadline(struct timespec *ts, int secs);
int	 bench_past(const struct timespec *ts);

/*
 * Read a whole file of at most max bytes into *out (NUL-terminated).
 * The caller frees *out.  0, or -1 with a one-line reason in err.
 */
int	 bench_read_file(const char *path, size_t max, char **out, char *err,
	    size_t errlen);

/* Keep the first error a client met (printable characters only). */
void	 bench_note_err(struct bench_client *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Free a client's tokens (not the client itself). */
void	 bench_client_free(struct bench_client *c);

/*
 * A fresh easy handle answering into b (b->p is the caller's), bounded
 * by timeout_ms, HTTP(S) only, no redirects, cacert checked when not
 * NULL.  The caller cleans it up with curl_easy_cleanup.
 */
CURL	*bench_curl_handle(struct bench_buf *b, long timeout_ms,
	    const char *cacert);

/* Empty b for the next answer. */
void	 bench_buf_reset(struct bench_buf *b);

/*
 * Run fn on n clients at once, one thread each; *ms is how long until
 * all were done.  0, or -1 (said on stderr) when a thread did not start.
 */
int	 bench_run(const char *prog, void *cl, size_t stride, int n,
	    void *(*fn)(void *), double *ms);

/*
 * Fill every client's token pool from o->token_url (cacert may be
 * NULL), all clients at once, and print the "fetched" line.  -1 (said
 * on stderr) when a client got fewer than o->tokens; the tokens fetched
 * are freed with bench_client_free either way.
 */
int	 bench_fetch_tokens(const char *prog, const struct bench_opts *o,
	    const char *cacert, void *cl, size_t stride, int n);

/*
 * The window: every client's deadline secs from now, fn run on all of
 * them, and the CPU time it cost this process and cpu_pid (0: none).
 */
int	 bench_window(const char *prog, void *cl, size_t stride, int n,
	    int secs, void *(*fn)(void *), int cpu_pid, struct bench_cpu *cpu,
	    double *ms);

/* CPU time (user + system, ms) of pid from /proc; -1 when unreadable. */
double	 bench_cpu_ms(int pid);

/* The sum of the clients' ok; of their busy_ms in *busy (may be NULL). */
long	 bench_totals(const void *cl, size_t stride, int n, double *busy);

/*
 * The lines after a window's figures: the first error a client met
 * (when errors > 0), and a note when token pools ran dry.
 */
void	 bench_report_tail(const void *cl, size_t stride, int n, long errors);

/* The server's and the client's CPU per certificate, as known. */
void	 bench_report_cpu(const struct bench_cpu *cpu, const void *cl,
	    size_t stride, int n, double ms);

#endif
