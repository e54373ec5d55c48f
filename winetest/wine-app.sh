#!/bin/sh
# winetest/wine-app.sh DIR NATIVE runs, on the X display it is given (make
# wine-app runs it under xvfb-run), the desktop app built for Linux
# (NATIVE) and for Windows (DIR/communekit.exe, under wine in DIR/prefix)
# on a demo profile with --start-check: each comes to its unlock screen,
# is unlocked with the demo passphrase as typed, and shows its overview.
# Each runs twice: the first makes its demo profile (in a user folder
# named in Vietnamese), the second is the figure. Screenshots of the X
# display (what wine drew) go to DIR/app/*.png; the times to the table.
set -eu
dir=$1
native=$2
out=$dir/app
rm -rf "$out"
mkdir -p "$out"
export WINEPREFIX="$dir/prefix" WINEDEBUG=-all LANGUAGE=vi
now() { date +%s.%N; }
# wait_line LOG PID TEXT: until LOG has TEXT; fails if PID ended first.
wait_line() {
	while ! grep -q "$3" "$1"; do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "wine-app: the app ended before \"$3\":" >&2
			cat "$1" "$1.err" >&2
			return 1
		fi
		sleep 0.02
	done
}
# run NAME COMMAND...: one start, unlock and quit.
run() {
	name=$1
	shift
	log=$out/$name.log
	: >"$log"
	t0=$(now)
	"$@" >"$log" 2>"$log.err" &
	pid=$!
	wait_line "$log" $pid "unlock screen"
	t1=$(now)
	import -window root "$out/$name-unlock.png"
	wait_line "$log" $pid "overview"
	sleep 1.5 # the app holds each screen 3 s: let its figures paint
	import -window root "$out/$name-overview.png"
	if grep -q FAILED "$log"; then cat "$log" "$log.err" >&2; return 1; fi
	wait $pid
	launch=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')
	inside=$(sed -n 's/.*unlock screen \([0-9.]*\) s.*/\1/p' "$log")
	enter=$(sed -n 's/.*overview \([0-9.]*\) s after Enter.*/\1/p' "$log")
	printf '%-12s launch to unlock screen %6s s  (main to unlock screen %6s s)  Enter to overview %6s s\n' "$name" "$launch" "$inside" "$enter" | tee -a "$out/figures.txt"
}
win_profile='C:\users\Nguyễn Thị Lan\communekit-demo'
rm -rf "$WINEPREFIX/drive_c/users/Nguyễn Thị Lan"
lin_profile="$out/Nguyễn Thị Lan/communekit-demo"
run native-cold "$native" --demo --profile "$lin_profile" --start-check
run wine-cold wine "$dir/communekit.exe" --demo --profile "$win_profile" --start-check
run native "$native" --demo --profile "$lin_profile" --start-check
run wine wine "$dir/communekit.exe" --demo --profile "$win_profile" --start-check
echo "wine-app: screenshots in $out (wine-unlock.png, wine-overview.png; native-*.png)"
grep -h 'demo district node not started' "$out"/wine*.log.err | head -1 | sed 's/^/wine-app: under wine, as on Windows: /' || true
