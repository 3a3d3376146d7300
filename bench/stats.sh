# bench/stats.sh - summary statistics of timings, sourced by the bench
# scripts (bench/lib.sh and those built on the test libraries).

# stats_values MS...: "MEDIAN MIN P90 MAX" of the values (p90: nearest
# rank), one line.
stats_values()
{
	printf '%s\n' "$@" | sort -g | awk '
	{ v[NR] = $1 }
	END {
		n = NR
		if (n % 2) med = v[(n + 1) / 2]
		else med = (v[n / 2] + v[n / 2 + 1]) / 2
		r = int(0.9 * n); if (r < 0.9 * n) r++
		printf "%.1f %.1f %.1f %.1f\n", med, v[1], v[r], v[n]
	}'
}
