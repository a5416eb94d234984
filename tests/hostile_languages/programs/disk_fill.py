# Fills /box, /tmp and /dev/shm with 8 MiB files until writes fail; prints how far it got.
for directory in ["/box", "/tmp", "/dev/shm"]:
    count = 0
    try:
        while True:
            with open("%s/fill%d" % (directory, count), "wb") as f:
                f.write(b"x" * (8 << 20))
            count += 1
    except OSError as error:
        print(directory, count, error.strerror, flush=True)
