/*
 * Lesson 08 · the C reference: the same ping/pong line protocol with no runtime in
 * between, so `npm run bench` can show what the kernel alone costs per round trip.
 * Blocking calls, one client at a time: the simplest thing that can be timed.
 *
 *   pingpong server unix PATH | tcp PORT | fifo DIR
 *   pingpong client unix PATH | tcp PORT | fifo DIR  COUNT SIZE
 *
 * The server prints "listening on ..." when ready; the client plays COUNT strict
 * round trips with SIZE-byte pings (5 = "ping\n") and prints one JSON line.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES (128 * 1024)

static void die(const char *what) { perror(what); exit(1); }

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0) { if (errno == EINTR) continue; die("write"); }
        data += n; length -= (size_t)n;
    }
}

/* Answers every complete line in `in`, one write() per read(), until EOF. */
static void serve(int in, int out) {
    static char request[BUFFER_BYTES], reply[2 * BUFFER_BYTES];
    size_t kept = 0;
    for (;;) {
        ssize_t n = read(in, request + kept, sizeof request - kept);
        if (n <= 0) return; /* EOF or error: the client left */
        kept += (size_t)n;
        size_t start = 0, replied = 0;
        char *newline;
        while ((newline = memchr(request + start, '\n', kept - start)) != NULL) {
            size_t length = (size_t)(newline - (request + start));
            if (replied + length + 64 > sizeof reply) { write_all(out, reply, replied); replied = 0; }
            if (length == 0) {
                /* an empty line gets no answer, as in the Node server */
            } else if (length >= 4 && memcmp(request + start, "ping", 4) == 0 && (length == 4 || request[start + 4] == ' ')) {
                memcpy(reply + replied, "pong", 4);
                memcpy(reply + replied + 4, request + start + 4, length - 4 + 1); /* rest + '\n' */
                replied += length + 1;
            } else {
                replied += (size_t)snprintf(reply + replied, 64, "error unknown command: try ping\n");
            }
            start += length + 1;
        }
        if (replied > 0) write_all(out, reply, replied);
        memmove(request, request + start, kept - start);
        kept -= start;
        if (kept == sizeof request) return; /* a line longer than we keep: hang up */
    }
}

static int listen_on(const char *transport, const char *where) {
    int fd;
    if (strcmp(transport, "unix") == 0) {
        struct sockaddr_un address = { .sun_family = AF_UNIX };
        strncpy(address.sun_path, where, sizeof address.sun_path - 1);
        unlink(where);
        if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) die("socket");
        if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
        if (listen(fd, 16) < 0) die("listen");
        printf("C server listening on %s\n", where);
    } else {
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(where)) };
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
        if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
        if (listen(fd, 16) < 0) die("listen");
        getsockname(fd, (struct sockaddr *)&address, &length);
        printf("C server listening on tcp://127.0.0.1:%d\n", ntohs(address.sin_port));
    }
    fflush(stdout);
    return fd;
}

static void run_server(const char *transport, const char *where) {
    char to_server[4096], to_client[4096];
    if (strcmp(transport, "fifo") == 0) {
        snprintf(to_server, sizeof to_server, "%s/to-server", where);
        snprintf(to_client, sizeof to_client, "%s/to-client", where);
        unlink(to_server); unlink(to_client);
        /* C has mkfifo(3); Node does not. */
        if (mkfifo(to_server, 0600) < 0 || mkfifo(to_client, 0600) < 0) die("mkfifo");
        printf("C server listening on %s (FIFOs to-server and to-client)\n", where);
        fflush(stdout);
        for (;;) {
            /* Blocking opens are fine here: this process has nothing else to do. */
            int in = open(to_server, O_RDONLY), out = open(to_client, O_WRONLY);
            if (in < 0 || out < 0) die("open");
            serve(in, out);
            close(in); close(out);
        }
    }
    int listener = listen_on(transport, where);
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) { if (errno == EINTR) continue; die("accept"); }
        int one = 1;
        if (strcmp(transport, "tcp") == 0) setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        serve(client, client);
        close(client);
    }
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_client(const char *transport, const char *where, long count, long size) {
    int in, out;
    if (strcmp(transport, "fifo") == 0) {
        char to_server[4096], to_client[4096];
        snprintf(to_server, sizeof to_server, "%s/to-server", where);
        snprintf(to_client, sizeof to_client, "%s/to-client", where);
        /* Same order as the server's opens, or each would wait for the other forever. */
        if ((out = open(to_server, O_WRONLY)) < 0 || (in = open(to_client, O_RDONLY)) < 0) die("open");
    } else if (strcmp(transport, "unix") == 0) {
        struct sockaddr_un address = { .sun_family = AF_UNIX };
        strncpy(address.sun_path, where, sizeof address.sun_path - 1);
        if ((in = out = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) die("socket");
        if (connect(in, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
    } else {
        const char *port = strrchr(where, ':') ? strrchr(where, ':') + 1 : where;
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        if ((in = out = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
        if (connect(in, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
        setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char *ping = malloc((size_t)size), reply[BUFFER_BYTES];
    double *latencies = malloc(sizeof(double) * (size_t)count);
    if (!ping || !latencies) die("malloc");
    memset(ping, 'x', (size_t)size);
    memcpy(ping, size == 5 ? "ping\n" : "ping ", 5);
    ping[size - 1] = '\n';
    double started = now_ns();
    for (long i = 0; i < count; i++) {
        double sent = now_ns();
        write_all(out, ping, (size_t)size);
        size_t got = 0;
        while (got == 0 || reply[got - 1] != '\n') { /* strict: the pong is the only thing in flight */
            ssize_t n = read(in, reply + got, sizeof reply - got);
            if (n <= 0) { fprintf(stderr, "the server went away\n"); exit(1); }
            got += (size_t)n;
        }
        if (got != (size_t)size || memcmp(reply, "pong", 4) != 0) { fprintf(stderr, "unexpected reply\n"); exit(1); }
        latencies[i] = now_ns() - sent;
    }
    double seconds = (now_ns() - started) / 1e9;
    qsort(latencies, (size_t)count, sizeof *latencies, by_value);
    printf("{\"transport\":\"%s\",\"size\":%ld,\"count\":%ld,\"seconds\":%.6f,\"perSecond\":%.1f,\"p50Ms\":%.6f,\"p99Ms\":%.6f}\n",
           transport, size, count, seconds, count / seconds, latencies[count / 2] / 1e6, latencies[count * 99 / 100] / 1e6);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "server") == 0) run_server(argv[2], argv[3]);
    else if (argc == 6 && strcmp(argv[1], "client") == 0) run_client(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    else {
        fprintf(stderr, "usage: %s server unix PATH|tcp PORT|fifo DIR\n"
                        "       %s client unix PATH|tcp PORT|fifo DIR COUNT SIZE\n", argv[0], argv[0]);
        return 2;
    }
    return 0;
}
