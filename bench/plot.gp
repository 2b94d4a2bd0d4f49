# SPDX-License-Identifier: MIT
# bench.png from plot.dat (bench/report.py): one column of panels per file
# system, one row per metric, a cluster of bars per scenario, one bar per
# tool setting with its min..max as error bar.
# plot.vars (also from report.py) sets ntools, nscen, fsnames and bwlabel[] (the file
# system's limits, as text).
#   gnuplot -e "datafile='bench/results/plot.dat'; varsfile='bench/results/plot.vars'; outfile='bench/results/bench.png'" bench/plot.gp
if (!exists("datafile")) datafile = 'bench/results/plot.dat'
if (!exists("varsfile")) varsfile = 'bench/results/plot.vars'
if (!exists("outfile")) outfile = 'bench/results/bench.png'
load varsfile
nfs = words(fsnames)
# plot.vars from before bwlabel[]: a number per file system
if (!exists("bwlabel")) {
	array bwlabel[nfs]
	do for [f = 1:nfs] { bwlabel[f] = sprintf("its write() limit: %.0f MB/s", bwlimit[f]) }
}
array mtitle[3] = ["CPU ns per captured frame (log scale)", "loss %", "drain MB/s (a-c: while traffic arrives; d: a full ring, burst; e-f: until durable)"]

set terminal pngcairo size 1000 * nfs + 200, 1500 font "DejaVu Sans,12"
set output outfile
# same hue for a tool, lighter for its second setting
set linetype 1 lc rgb "#1f5fbf"
set linetype 2 lc rgb "#8fb4ef"
set linetype 3 lc rgb "#d9731a"
set linetype 4 lc rgb "#f4bb85"
set linetype 5 lc rgb "#2e8b3a"
set linetype 6 lc rgb "#9ad5a0"
set linetype 7 lc rgb "#7b3fa8"
set linetype 8 lc rgb "#c7a4e0"
set linetype 9 lc rgb "#c0392b"
set linetype 10 lc rgb "#f09a90"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.9 border rgb "#404040"
set boxwidth 0.95
set grid ytics lc rgb "#d0d0d0"
set xtics nomirror scale 0
set ytics nomirror
set multiplot title "Capture of the same veth traffic, one tool after the other (median of the runs, bar: min..max)" font ",15"
# the key alone in a strip across the top (bars clipped away by the y range)
set origin 0, 0.875
set size 1, 0.085
unset border
unset tics
unset title
set yrange [-2:-1]
set key center center horizontal maxrows 2 width 2 samplen 2 font ",12"
plot for [i = 0:ntools - 1] datafile index 0 \
	using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) title columnheader(2 + 3 * i)
unset key
set border
set xtics nomirror scale 0
set ytics nomirror
set xrange [-0.55:nscen - 0.45]
pw = 1.0 / nfs
ph = 0.875 / 3
do for [m = 0:2] {
	do for [f = 1:nfs] {
		set origin (f - 1) * pw, (2 - m) * ph
		set size pw, ph
		set title sprintf("%s, output on %s", mtitle[m + 1], word(fsnames, f))
		if (m == 2) { set title sprintf("%s, output on %s (%s)", mtitle[m + 1], word(fsnames, f), bwlabel[f]) }
		unset logscale y
		set yrange [0:*]
		if (m == 0) { set logscale y; set yrange [10:*] }
		if (m == 1) { set yrange [0:100] }
		plot for [i = 0:ntools - 1] datafile index ((f - 1) * 3 + m) \
			using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) title columnheader(2 + 3 * i)
	}
}
unset multiplot
