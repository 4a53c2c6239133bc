"""The open-loop benchmark: scheduled sends over real sockets, latency from
the scheduled time to the recipient's receipt (queueing cannot hide), a
ladder of offered rates, CPU of every process on the box. See
docs/benchmarks.md."""
