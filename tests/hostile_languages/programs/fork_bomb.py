# Fork bomb: forks busy children until fork fails 1000 times (the pids limit), then reports.
import os

forks = failures = 0
while failures < 1000:
    try:
        if os.fork() == 0:
            while True:
                pass
        forks += 1
    except OSError:
        failures += 1
print("forks", forks, "failures", failures)
