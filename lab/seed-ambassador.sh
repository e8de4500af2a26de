#!/bin/sh
# The seed tutorial's ambassador (svendowideit/ambassador): one forking socat per <NAME>_PORT_<p>_TCP variable.
env | grep '_TCP=' | sed 's/.*_PORT_\([0-9]*\)_TCP=tcp:\/\/\(.*\):\(.*\)/socat -t 100000000 TCP4-LISTEN:\1,fork,reuseaddr TCP4:\2:\3 \&/' | sh
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
