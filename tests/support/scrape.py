"""A node's /metrics, parsed by the strict text-format parser, with lookups by labels."""
import time

import prometheus_text


class Scrape:
    """One GET /metrics of a node (anything with request()); asserts it answered 200 and keeps
    the answer as `response`."""

    def __init__(self, server):
        self.response = server.request("GET", "/metrics")
        assert self.response.status == 200, self.response
        self.families = prometheus_text.parse(self.response.text)

    def samples(self, family, sample=None, **labels):
        """The values of the family's samples (`sample`: e.g. its _count series) whose labels
        include `labels`; [] for a family the node does not export (yet)."""
        family_samples = self.families.get(family, {"samples": []})["samples"]
        return [number for name, sample_labels, number in family_samples
                if name == (sample or family)
                and all(sample_labels.get(k) == v for k, v in labels.items())]

    def value(self, family, sample=None, **labels):
        found = self.samples(family, sample, **labels)
        if len(found) != 1:
            raise AssertionError(f"{family} {sample} {labels}: {len(found)} samples, not 1")
        return found[0]


def wait_for_scrape(server, ready, timeout=60):
    """Scrapes until ready(scrape) holds (events that land after the job's answer, like a
    webhook's outcome); returns that scrape, or the last one on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        scrape = Scrape(server)
        if ready(scrape) or time.monotonic() > deadline:
            return scrape
        time.sleep(0.05)
