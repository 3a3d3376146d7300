/*
 * http_latency.c - latency of one GET, repeated: CLIENTS threads, each
 * with a kept-alive libcurl handle, GET URL for SECS seconds; prints the
 * count, the rate and the p50, p90, p99 and largest request time, and
 * how many answers were not 200.  For bench/scale.sh (status JSON and
 * OCSP GET with 1,000 and 1,000,000 certificates on record, and during
 * an expiry sweep).  A benchmark tool: it prints, it never judges.
 *
 * usage: http_latency URL SECS [CLIENTS]
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define HL_MAX_CLIENTS	16
#define HL_MAX_SAMPLES	(4 * 1024 * 1024)

struct hl_client {
	const char *url;
	double deadline;
	double *ms;		/* request times */
	size_t n, cap;
	long not_200;
	long failed;
};

static double
hl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t
hl_sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void *
hl_main(void *arg)
{
	struct hl_client *c = arg;
	CURL *h = curl_easy_init();
	double t0;
	long code;

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hl_sink);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	while (hl_now() < c->deadline && c->n < c->cap) {
		t0 = hl_now();
		if (curl_easy_perform(h) != CURLE_OK) {
			c->failed++;
			continue;
		}
		c->ms[c->n++] = hl_now() - t0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200)
			c->not_200++;
	}
	curl_easy_cleanup(h);
	return NULL;
}

static int
hl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static struct hl_client cl[HL_MAX_CLIENTS];
	pthread_t th[HL_MAX_CLIENTS];
	double *all, secs, t0;
	size_t total = 0, k;
	long not_200 = 0, failed = 0;
	int clients = 1, i;

	if (argc < 3 || argc > 4 || (secs = atof(argv[2])) <= 0 ||
	    (argc == 4 && ((clients = atoi(argv[3])) < 1 ||
	    clients > HL_MAX_CLIENTS))) {
		fprintf(stderr, "usage: http_latency URL SECS [CLIENTS]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = hl_now();
	for (i = 0; i < clients; i++) {
		cl[i].url = argv[1];
		cl[i].deadline = t0 + secs * 1e3;
		cl[i].cap = HL_MAX_SAMPLES / (size_t)clients;
		if ((cl[i].ms = malloc(cl[i].cap * sizeof(double))) == NULL)
			return 1;
		if (pthread_create(&th[i], NULL, hl_main, &cl[i]) != 0)
			return 1;
	}
	for (i = 0; i < clients; i++) {
		pthread_join(th[i], NULL);
		total += cl[i].n;
		not_200 += cl[i].not_200;
		failed += cl[i].failed;
	}
	secs = (hl_now() - t0) / 1e3;
	if (total == 0 || (all = malloc(total * sizeof(double))) == NULL) {
		printf("no answers (%ld failed)\n", failed);
		return 1;
	}
	for (k = 0, i = 0; i < clients; i++) {
		memcpy(all + k, cl[i].ms, cl[i].n * sizeof(double));
		k += cl[i].n;
		free(cl[i].ms);
	}
	qsort(all, total, sizeof(double), hl_cmp);
	printf("%zu answers in %.1f s (%.0f/s, %d clients): p50 %.3f ms, "
	    "p90 %.3f ms, p99 %.3f ms, max %.3f ms; %ld not 200, %ld "
	    "failed\n", total, secs, total / secs, clients,
	    all[total / 2], all[total * 9 / 10], all[total * 99 / 100],
	    all[total - 1], not_200, failed);
	free(all);
	curl_global_cleanup();
	return 0;
}
