"""A Python submission that reports the box as it found it, then leaves no file (its own source
removed), the roots' mode and times changed and /box held open by a process that outlives it.
Such a run's /box and /tmp are replaced after the keeper's ready message, while the engine
readies the next run, so each run of it on a slot checks that the one before left it nothing."""

SOURCE = (
    "import os, subprocess\n"
    "print(sorted(os.listdir('/box')), os.listdir('/tmp'),\n"
    "      [oct(os.stat(r).st_mode & 0o7777) for r in ('/box', '/tmp')],\n"
    "      [os.stat(r).st_mtime == 1 for r in ('/box', '/tmp')],\n"
    "      sorted(os.listdir('/proc/self/fd')), [p for p in os.listdir('/proc') if p.isdigit()])\n"
    "for name in os.listdir('/box'):\n"
    "    os.unlink(os.path.join('/box', name))\n"
    "for root in ('/box', '/tmp'):\n"
    "    os.chmod(root, 0o700)\n"
    "    os.utime(root, (1, 1))\n"
    "subprocess.Popen(['/bin/sleep', '1000'], cwd='/box', start_new_session=True)\n")

# How every run's report ends when it found the box new: /tmp empty, both roots of mode 0755
# and not of the planted time, descriptors 0, 1 and 2 (3 is the one listdir reads
# /proc/self/fd through), itself alone as process 5 (the keeper is 1, its threads 2 to 4).
FRESH_TAIL = " [] ['0o755', '0o755'] [False, False] ['0', '1', '2', '3'] ['5']\n"
