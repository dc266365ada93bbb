"""A JSON client for an Airflow-compatible REST API that keeps its connection
alive, as a browser or a requests.Session does: the figures then time the
server, not a TCP handshake per request."""
import http.client
import json
import statistics
import time
import urllib.parse

# A server may close a kept-alive connection between two requests; the next
# request then fails at once with one of these and is sent again on a new one.
_STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError,
          ConnectionResetError, ConnectionAbortedError)


class RestClient:
    def __init__(self, base, timeout=60):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        self.base = base
        self.token = None
        self.connection = None
        self.reused = False  # the next request goes on a connection that answered before

    def close(self):
        if self.connection:
            self.connection.close()
        self.connection, self.reused = None, False

    def request(self, method, path, body=None):
        """(HTTP status, JSON body or None); an error answer's body is its text."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        while True:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=self.timeout)
            reused = self.reused
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
            except _STALE:
                self.close()
                if reused:
                    continue
                raise
            except Exception:
                self.close()
                raise
            self.reused = not response.will_close
            if response.will_close:
                self.close()
            if response.status >= 400:
                return response.status, raw.decode(errors="replace")[:500]
            return response.status, json.loads(raw) if raw else None

    def median_latency(self, path, count):
        """Median seconds of `count` GETs of path, one after another on one connection."""
        self.request("GET", path)  # the connection is open before the first timed request
        seconds = []
        for _ in range(count):
            start = time.perf_counter()
            status, body = self.request("GET", path)
            seconds.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"GET {self.base}{path}: HTTP {status}: {body}")
        return statistics.median(seconds)
