"""Benchmarks of the app at a Hà Nội-sized province: `python manage.py bench` (see BENCHMARKS.md)
and the load test `make load` (benchmarks/load.sh with benchmarks/locustfile.py)."""
