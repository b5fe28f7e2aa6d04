// fanout-load: a small, bounded load driver for profiling the fan-out path of a running
// wsevent-service (or any server that upgrades GET <path> to WebSocket and takes POST <path>).
//
// Not the project's load generator (that is wsevent-bench / scripts/bench): a single-threaded
// epoll client that costs little next to the server, for before/after profiles of one server.
//
//   fanout-load -port P [-subscribers 1000] [-rate 100] [-events 3000] [-payload 128]
//               [-token T] [-publishers 1] [-v1] [-pid SERVER_PID] [-idle SECONDS]
//               [-read-rate BYTES_PER_S]
//
// Fan-out mode (default): opens the subscribers (at most 64 handshakes in flight), then POSTs
// `-events` text events, each carrying its sequence number and send time (CLOCK_MONOTONIC), at
// `-rate` events/s (0: as fast as `-publishers` keep-alive connections allow, one request in
// flight each), waits for every delivery (at most 10 s after the last answer) and reports
// delivered/lost/reordered, latency percentiles, and the server's CPU (from /proc/PID/stat)
// over the publishing window. Idle mode (-idle S): opens the subscribers, holds them S seconds
// answering pings, and reports the server's RSS growth per connection.
//
// Slow subscribers (-read-rate B, either mode): each subscriber reads at most B bytes a second,
// through a 64 KiB receive buffer, so the server holds what they have not read yet. The
// server's RSS is sampled every 100 ms and its peak reported. With -subscribers 0 it only
// publishes (to a hub, say, while another instance holds slow subscribers of a relay below it).
//
// FANOUT_BEFORE and FANOUT_AFTER, if set, are shell commands run right before the first publish
// and right after the last delivery (to switch a profiler's collection on and off).
//
// Loopback only; every run ends by itself. Build: cc -O2 -o fanout-load fanout-load.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port = 0, subscribers = 1000, rate = 100, events = 3000, payload = 128, publishers = 1, v1 = 0, idle = 0;
static int read_rate = 0;
static long rss_peak_kb = 0;
static long pid = 0;
static const char *token = "t", *path = "/events";

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "fanout-load: %s: %s\n", what, strerror(errno));
    exit(2);
}

// ---- server figures from /proc ----

static double server_cpu_seconds(void) {
    if (!pid) return 0;
    char file[64], text[4096];
    snprintf(file, sizeof file, "/proc/%ld/stat", pid);
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *p = strrchr(text, ')');  // fields after the command name
    if (!p) return 0;
    unsigned long utime = 0, stime = 0;
    // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long server_rss_kb(void) {
    if (!pid) return 0;
    char file[64], line[256];
    snprintf(file, sizeof file, "/proc/%ld/status", pid);
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

static double own_cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// ---- connections ----

enum { CONNECTING, HANDSHAKING, OPEN, CLOSED };

typedef struct {
    int fd, state, is_publisher, busy, paused;
    double budget;  // bytes it may still read (-read-rate)
    unsigned char *pending;  // bytes of a frame (or response) not complete yet
    size_t pending_len, pending_cap;
    uint64_t next_seq, received, reordered, lost;
    int close_code;
} conn_t;

static conn_t *conns;
static int nconns, epfd;
static uint64_t *latencies;
static size_t nlatencies, maxlatencies;
static uint64_t delivered, answered, refused_publishes, closed_subscribers, open_subscribers, upgrades_failed;

static int open_socket(int slow) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (slow) {
        int small = 65536;  // before connect: the window is set from it
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

static void watch(int index, uint32_t mask, int op) {
    struct epoll_event ev = {.events = mask, .data.u32 = (uint32_t)index};
    if (epoll_ctl(epfd, op, conns[index].fd, &ev) < 0) die("epoll_ctl");
}

static void send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EAGAIN) continue;  // tiny requests; the socket buffer is empty
        if (n <= 0) die("write");
        data += n;
        len -= (size_t)n;
    }
}

static void start_subscriber(int index) {
    conn_t *c = &conns[index];
    c->fd = open_socket(read_rate > 0);
    c->state = CONNECTING;
    watch(index, EPOLLOUT | EPOLLIN, EPOLL_CTL_ADD);
}

static void send_upgrade(conn_t *c) {
    char request[512];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                     path, port, v1 ? "Sec-WebSocket-Protocol: wsevent.v1\r\n" : "");
    send_all(c->fd, request, (size_t)n);
    c->state = HANDSHAKING;
}

static void keep(conn_t *c, const unsigned char *data, size_t len) {
    if (c->pending_len + len > c->pending_cap) {
        c->pending_cap = (c->pending_len + len) * 2;
        c->pending = realloc(c->pending, c->pending_cap);
    }
    memcpy(c->pending + c->pending_len, data, len);
    c->pending_len += len;
}

static uint64_t hex(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 16 + (uint64_t)(p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
    return v;
}

static void on_message(conn_t *c, const unsigned char *data, size_t len, uint64_t now) {
    if (v1) {  // skip the header line; hello and gap are not events
        const unsigned char *nl = memchr(data, '\n', len);
        if (!nl) return;
        if (len >= 6 && memcmp(data, "hello ", 6) == 0) return;
        if (len >= 4 && memcmp(data, "gap ", 4) == 0) return;
        len -= (size_t)(nl + 1 - data);
        data = nl + 1;
    }
    if (len < 33) return;
    uint64_t seq = hex(data, 16), sent = hex(data + 17, 16);
    if (seq < c->next_seq) c->reordered++;
    else {
        c->lost += seq - c->next_seq;
        c->next_seq = seq + 1;
    }
    c->received++;
    delivered++;
    if (nlatencies < maxlatencies) latencies[nlatencies++] = now - sent;
}

static void send_pong(conn_t *c, const unsigned char *data, size_t len) {
    unsigned char frame[2 + 4 + 125];
    frame[0] = 0x8A;
    frame[1] = (unsigned char)(0x80 | len);
    memset(frame + 2, 0, 4);  // a zero mask leaves the payload as it is
    memcpy(frame + 6, data, len);
    send_all(c->fd, (const char *)frame, 6 + len);
}

// Walks complete frames in `data`; returns how many bytes were consumed.
static size_t on_frames(conn_t *c, const unsigned char *data, size_t len, uint64_t now) {
    size_t at = 0;
    while (len - at >= 2) {
        const unsigned char *f = data + at;
        size_t header = 2, length = f[1] & 0x7F;
        if (length == 126) {
            if (len - at < 4) break;
            length = ((size_t)f[2] << 8) | f[3];
            header = 4;
        } else if (length == 127) {
            if (len - at < 10) break;
            length = 0;
            for (int i = 2; i < 10; i++) length = (length << 8) | f[i];
            header = 10;
        }
        if (len - at < header + length) break;
        int opcode = f[0] & 0x0F;
        if (opcode == 1 || opcode == 2) on_message(c, f + header, length, now);
        else if (opcode == 9) send_pong(c, f + header, length);
        else if (opcode == 8) {
            c->close_code = length >= 2 ? (f[header] << 8 | f[header + 1]) : 1005;
            c->state = CLOSED;
        }
        at += header + length;
    }
    return at;
}

static void on_subscriber_readable(int index, uint64_t now) {
    conn_t *c = &conns[index];
    static unsigned char buffer[1 << 16];
    for (;;) {
        size_t want = sizeof buffer;
        if (read_rate && c->state == OPEN) {
            if (c->budget < 1 && !c->paused) {  // wait for the next refill (slow_readers)
                watch(index, 0, EPOLL_CTL_MOD);
                c->paused = 1;
                return;
            }
            // Woken while paused: the connection ended (EPOLLHUP, EPOLLERR); read to its end.
            if (c->budget >= 1 && c->budget < (double)want) want = (size_t)c->budget;
        }
        ssize_t n = read(c->fd, buffer, want);
        if (n > 0 && read_rate && c->state == OPEN) c->budget -= (double)n;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            if (c->state == OPEN || c->state == HANDSHAKING) closed_subscribers++;
            if (c->state == HANDSHAKING) upgrades_failed++;
            if (c->state == OPEN) open_subscribers--;
            c->state = CLOSED;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            return;
        }
        const unsigned char *data = buffer;
        size_t len = (size_t)n;
        if (c->pending_len > 0) {
            keep(c, buffer, len);
            data = c->pending;
            len = c->pending_len;
        }
        size_t used = 0;
        if (c->state == HANDSHAKING) {
            const unsigned char *end = memmem(data, len, "\r\n\r\n", 4);
            if (!end) {
                if (data == buffer) keep(c, buffer, len);
                continue;
            }
            if (len < 12 || memcmp(data + 9, "101", 3) != 0) {
                upgrades_failed++;
                c->state = CLOSED;
                epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                return;
            }
            c->state = OPEN;
            open_subscribers++;
            used = (size_t)(end + 4 - data);
        }
        used += on_frames(c, data + used, len - used, now);
        size_t rest = len - used;
        if (data == buffer) {
            c->pending_len = 0;
            if (rest) keep(c, buffer + used, rest);
        } else {
            memmove(c->pending, c->pending + used, rest);
            c->pending_len = rest;
        }
    }
}

// Refills every slow subscriber's budget for `seconds` and wakes those that ran out; samples
// the server's RSS.
static void slow_readers(double seconds) {
    long rss = server_rss_kb();
    if (rss > rss_peak_kb) rss_peak_kb = rss;
    if (!read_rate) return;
    for (int i = 0; i < subscribers; i++) {
        conn_t *c = &conns[i];
        if (c->state != OPEN || c->is_publisher) continue;
        // At most two ticks' worth (and a read's) ahead: a reader that was paused does not
        // make up for it in one burst.
        double cap = read_rate * 0.2 > 65536 ? read_rate * 0.2 : 65536;
        c->budget += read_rate * seconds;
        if (c->budget > cap) c->budget = cap;
        if (c->paused && c->budget >= 1) {
            c->paused = 0;
            watch(i, EPOLLIN, EPOLL_CTL_MOD);
        }
    }
}

// ---- publishing ----

static char *body;

static void publish(conn_t *c, uint64_t seq) {
    char head[512];
    snprintf(body, (size_t)payload + 1, "%016llx %016llx ", (unsigned long long)seq, (unsigned long long)now_ns());
    body[34] = 'x';  // snprintf's terminator
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n",
                     path, port, token, payload);
    char request[512 + 65536];
    memcpy(request, head, (size_t)n);
    memcpy(request + n, body, (size_t)payload);
    send_all(c->fd, request, (size_t)n + (size_t)payload);
    c->busy = 1;
}

static void on_publisher_readable(int index) {
    conn_t *c = &conns[index];
    unsigned char buffer[4096];
    for (;;) {
        ssize_t n = read(c->fd, buffer, sizeof buffer);
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            fprintf(stderr, "fanout-load: a publisher connection closed after %llu answers%s%.*s\n",
                    (unsigned long long)answered, c->pending_len ? ", with: " : "",
                    (int)(c->pending_len > 80 ? 80 : c->pending_len), (const char *)c->pending);
            exit(2);
        }
        keep(c, buffer, (size_t)n);
        for (;;) {  // complete responses
            unsigned char *end = memmem(c->pending, c->pending_len, "\r\n\r\n", 4);
            if (!end) break;
            size_t headlen = (size_t)(end + 4 - c->pending);
            char *cl = memmem(c->pending, headlen, "content-length: ", 16);
            if (!cl) cl = memmem(c->pending, headlen, "Content-Length: ", 16);
            size_t bodylen = cl ? (size_t)atol(cl + 16) : 0;
            if (c->pending_len < headlen + bodylen) break;
            if (memcmp(c->pending + 9, "200", 3) != 0) {
                if (!refused_publishes) fprintf(stderr, "fanout-load: a publish was answered %.12s\n", (const char *)c->pending);
                refused_publishes++;
            }
            answered++;
            c->busy = 0;
            memmove(c->pending, c->pending + headlen + bodylen, c->pending_len - headlen - bodylen);
            c->pending_len -= headlen + bodylen;
        }
    }
}

// ---- report ----

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(double q) {
    if (!nlatencies) return 0;
    size_t i = (size_t)(q * (double)(nlatencies - 1));
    return latencies[i] / 1e6;
}

static void usage(void) {
    fprintf(stderr, "usage: fanout-load -port P [-subscribers N] [-rate R] [-events E] [-payload B] [-token T] "
                    "[-publishers K] [-v1] [-pid PID] [-idle SECONDS] [-path /events] [-read-rate B]\n");
    exit(2);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);  // a script waits for "subscribers open"
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-v1")) { v1 = 1; continue; }
        if (!v) usage();
        if (!strcmp(a, "-port")) port = atoi(v);
        else if (!strcmp(a, "-subscribers")) subscribers = atoi(v);
        else if (!strcmp(a, "-rate")) rate = atoi(v);
        else if (!strcmp(a, "-events")) events = atoi(v);
        else if (!strcmp(a, "-payload")) payload = atoi(v);
        else if (!strcmp(a, "-publishers")) publishers = atoi(v);
        else if (!strcmp(a, "-token")) token = v;
        else if (!strcmp(a, "-pid")) pid = atol(v);
        else if (!strcmp(a, "-idle")) idle = atoi(v);
        else if (!strcmp(a, "-path")) path = v;
        else if (!strcmp(a, "-read-rate")) read_rate = atoi(v);
        else usage();
        i++;
    }
    if (!port || payload < 40 || payload > 65536 || publishers < 1 || subscribers < 0 || read_rate < 0) usage();
    nconns = subscribers + publishers;
    conns = calloc((size_t)nconns, sizeof *conns);
    epfd = epoll_create1(0);
    maxlatencies = (size_t)subscribers * (size_t)events;
    if (maxlatencies > 50000000) maxlatencies = 50000000;
    latencies = malloc((maxlatencies ? maxlatencies : 1) * sizeof *latencies);
    body = malloc((size_t)payload + 1);
    memset(body, 'x', (size_t)payload);

    long rss_before = server_rss_kb();
    uint64_t start = now_ns(), deadline = start + 120ull * 1000000000ull;
    int started = 0;
    struct epoll_event ready[512];
    // Subscribers: at most 64 handshakes in flight.
    while ((int)(open_subscribers + closed_subscribers + upgrades_failed) < subscribers && now_ns() < deadline) {
        int in_flight = started - (int)(open_subscribers + closed_subscribers);
        while (started < subscribers && in_flight < 64) {
            start_subscriber(started++);
            in_flight++;
        }
        int n = epoll_wait(epfd, ready, 512, 100);
        uint64_t now = now_ns();
        for (int i = 0; i < n; i++) {
            int index = (int)ready[i].data.u32;
            conn_t *c = &conns[index];
            if (c->state == CONNECTING && (ready[i].events & EPOLLOUT)) {
                send_upgrade(c);
                watch(index, EPOLLIN, EPOLL_CTL_MOD);
            } else on_subscriber_readable(index, now);
        }
        slow_readers(0.1);
    }
    double connect_seconds = (now_ns() - start) / 1e9;
    printf("subscribers open: %llu of %d in %.2f s (%llu refused or closed)\n", (unsigned long long)open_subscribers,
           subscribers, connect_seconds, (unsigned long long)(closed_subscribers + upgrades_failed));

    if (idle) {
        uint64_t until = now_ns() + (uint64_t)idle * 1000000000ull, tick = now_ns();
        while (now_ns() < until) {
            int n = epoll_wait(epfd, ready, 512, 100);
            for (int i = 0; i < n; i++) on_subscriber_readable((int)ready[i].data.u32, now_ns());
            if (now_ns() - tick >= 100000000ull) {
                slow_readers((double)(now_ns() - tick) / 1e9);
                tick = now_ns();
            }
        }
        long rss_after = server_rss_kb();
        if (read_rate)
            printf("slow subscribers (%d bytes/s each): %llu events received, %llu subscribers closed; server RSS peak %ld kB\n",
                   read_rate, (unsigned long long)delivered, (unsigned long long)closed_subscribers, rss_peak_kb);
        double per = open_subscribers ? (double)(rss_after - rss_before) * 1024.0 / (double)open_subscribers : 0;
        printf("idle: server RSS %ld kB before, %ld kB with %llu subscribers: %.0f bytes per connection\n", rss_before,
               rss_after, (unsigned long long)open_subscribers, per);
        printf("{\"mode\":\"idle\",\"subscribers\":%llu,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,\"bytes_per_connection\":%.0f}\n",
               (unsigned long long)open_subscribers, rss_before, rss_after, per);
        return 0;
    }

    for (int k = 0; k < publishers; k++) {
        int index = subscribers + k;
        conns[index].fd = open_socket(0);
        conns[index].is_publisher = 1;
        conns[index].state = OPEN;
        watch(index, EPOLLIN, EPOLL_CTL_ADD);
    }
    usleep(100000);  // let the publisher connections be accepted
    // A profiler's switch: e.g. FANOUT_BEFORE='callgrind_control -i on PID' counts only what follows.
    if (getenv("FANOUT_BEFORE") && system(getenv("FANOUT_BEFORE")) != 0) fprintf(stderr, "fanout-load: FANOUT_BEFORE failed\n");
    double cpu0 = server_cpu_seconds(), own0 = own_cpu_seconds();
    uint64_t t0 = now_ns(), sent = 0, last_answer = 0, late = 0, last_tick = t0;
    uint64_t expected = (uint64_t)events * open_subscribers;
    deadline = t0 + 600ull * 1000000000ull;
    while (now_ns() < deadline) {
        uint64_t now = now_ns();
        // Publish what is due on idle publisher connections.
        while (sent < (uint64_t)events) {
            uint64_t due = rate ? t0 + sent * 1000000000ull / (uint64_t)rate : now;
            if (due > now) break;
            // Round robin, so that every connection is used: one that sent no request would
            // rightly get 408 after the server's header timeout.
            static int next_publisher = 0;
            conn_t *idle_publisher = NULL;
            for (int k = 0; k < publishers && !idle_publisher; k++) {
                int index = subscribers + (next_publisher + k) % publishers;
                if (!conns[index].busy) {
                    idle_publisher = &conns[index];
                    next_publisher = (next_publisher + k + 1) % publishers;
                }
            }
            if (!idle_publisher) break;
            if (rate && now - due > 5000000) late++;
            publish(idle_publisher, sent++);
        }
        if (answered == (uint64_t)events) {
            if (!last_answer) last_answer = now;
            if (delivered >= expected || now - last_answer > 10ull * 1000000000ull) break;
        }
        int timeout = 100;
        if (sent < (uint64_t)events && rate) {
            uint64_t due = t0 + sent * 1000000000ull / (uint64_t)rate;
            timeout = due > now ? (int)((due - now) / 1000000) : 0;
        }
        if (timeout > 100) timeout = 100;
        int n = epoll_wait(epfd, ready, 512, timeout);
        now = now_ns();
        for (int i = 0; i < n; i++) {
            int index = (int)ready[i].data.u32;
            if (conns[index].is_publisher) on_publisher_readable(index);
            else on_subscriber_readable(index, now);
        }
        if (now - last_tick >= 100000000ull) {
            slow_readers((double)(now - last_tick) / 1e9);
            last_tick = now;
        }
    }
    double seconds = (now_ns() - t0) / 1e9;
    double cpu = server_cpu_seconds() - cpu0, own = own_cpu_seconds() - own0;
    if (getenv("FANOUT_AFTER") && system(getenv("FANOUT_AFTER")) != 0) fprintf(stderr, "fanout-load: FANOUT_AFTER failed\n");
    qsort(latencies, nlatencies, sizeof *latencies, compare);
    uint64_t lost = 0, reordered = 0, min_received = UINT64_MAX, max_received = 0;
    for (int i = 0; i < subscribers; i++) {
        if (conns[i].state != OPEN && conns[i].state != CLOSED) continue;
        // Several publishers race, so events may arrive out of sequence: what is lost is what
        // never arrived (no duplicates are sent).
        lost += (uint64_t)events > conns[i].received ? (uint64_t)events - conns[i].received : 0;
        reordered += conns[i].reordered;
        if (conns[i].received < min_received) min_received = conns[i].received;
        if (conns[i].received > max_received) max_received = conns[i].received;
    }
    double per_million = delivered ? cpu / ((double)delivered / 1e6) : 0;
    printf("published %d events (%llu refused, %llu sent late) at %s; %llu messages delivered in %.2f s = %.0f msgs/s\n",
           events, (unsigned long long)refused_publishes, (unsigned long long)late, rate ? "a fixed rate" : "max rate",
           (unsigned long long)delivered, seconds, delivered / seconds);
    printf("lost %llu, reordered %llu, per subscriber %llu..%llu, subscribers closed %llu\n", (unsigned long long)lost,
           (unsigned long long)reordered, (unsigned long long)min_received, (unsigned long long)max_received,
           (unsigned long long)closed_subscribers);
    printf("latency ms: p50 %.3f p90 %.3f p99 %.3f p999 %.3f max %.3f\n", percentile_ms(0.5), percentile_ms(0.9),
           percentile_ms(0.99), percentile_ms(0.999), percentile_ms(1.0));
    printf("server CPU %.2f s (%.0f%%) = %.3f CPU-s per million delivered; driver CPU %.2f s\n", cpu, 100 * cpu / seconds,
           per_million, own);
    if (pid) printf("server RSS %ld kB before, peak %ld kB, %ld kB at the end\n", rss_before, rss_peak_kb, server_rss_kb());
    printf("{\"mode\":\"fan-out\",\"subscribers\":%llu,\"events\":%d,\"rate\":%d,\"payload\":%d,\"v1\":%s,\"delivered\":%llu,"
           "\"seconds\":%.3f,\"lost\":%llu,\"reordered\":%llu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"server_cpu_s\":%.2f,\"cpu_s_per_million\":%.3f,\"driver_cpu_s\":%.2f,"
           "\"subscribers_closed\":%llu,\"rss_peak_kb\":%ld}\n",
           (unsigned long long)open_subscribers, events, rate, payload, v1 ? "true" : "false",
           (unsigned long long)delivered, seconds, (unsigned long long)lost, (unsigned long long)reordered,
           percentile_ms(0.5), percentile_ms(0.9), percentile_ms(0.99), percentile_ms(0.999), percentile_ms(1.0), cpu,
           per_million, own, (unsigned long long)closed_subscribers, rss_peak_kb);
    return lost || refused_publishes ? 1 : 0;
}
