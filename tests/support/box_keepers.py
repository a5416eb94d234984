"""Box keepers (codearena-box processes) as the command-line tests find them."""
import os


def keepers_whose_parent_is_this_process():
    """The keepers whose parent is this process: those a call it started left behind, with
    this process a child subreaper."""
    keepers = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                name, rest = stat.read().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if name.endswith("(codearena-box") and int(rest.split()[1]) == os.getpid():
            keepers.append(int(entry))
    return keepers
