/*
 * HTTP/1.1 load generator for bench/gateway.ts: one thread, epoll, non-blocking sockets, OpenSSL.
 * Talks only to 127.0.0.1. Prints one JSON line with the result.
 *
 * Modes:
 *   handshake  each connection: connect, full TLS handshake (client certificate, no session
 *              reuse: no session cache, no tickets kept), one GET, read the response, close_notify,
 *              close; then a new connection in its place.
 *   keepalive  each connection sends GETs back to back (one in flight, no pipelining).
 *   latency    a fixed pool of keep-alive connections; requests are issued at a fixed rate
 *              (open loop, latency measured from the scheduled send time, so a stall of the
 *              server is not hidden by the generator waiting for it), or closed loop when --rate 0.
 *
 * Every response is parsed (status line, Content-Length or chunked, Connection: close); non-2xx
 * answers and errors are counted by kind; a run with any is not a valid figure.
 *
 *   cc -O2 -o loadgen loadgen.c -lssl -lcrypto
 *   loadgen --mode keepalive --port 8443 --tls 1.3 --cert client-chain.pem --key client.key \
 *           --connections 64 --seconds 5 [--warmup 1] [--requests N] [--rate R] [--path /] [--header "Name: value"]
 *           [--groups P-256] [--host localhost]
 *   (without --tls: plain HTTP)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES 65536
#define MAX_LATENCY_SAMPLES (16u * 1024u * 1024u)
#define STALL_SECONDS 10.0
#define TIMER_TAG ((void *)1)

enum mode { MODE_HANDSHAKE, MODE_KEEPALIVE, MODE_LATENCY };
enum state { ST_WAITING, ST_CONNECTING, ST_HANDSHAKE, ST_IDLE, ST_WRITE, ST_READ };
enum error_kind { E_CONNECT, E_HANDSHAKE, E_WRITE, E_READ, E_EOF, E_PARSE, E_STALL, E_COUNT };
static const char *ERROR_NAMES[E_COUNT] = {"connect", "handshake", "write", "read", "eof", "parse", "stall"};

struct conn {
  int fd;
  SSL *ssl;
  enum state state;
  double retry_at;       /* ST_WAITING: when to connect again */
  double last_progress;  /* for the stall check */
  double request_at;     /* when the request was scheduled (latency) or written */
  int request_counts;    /* whether this request started inside the measured window */
  size_t written;
  size_t len;            /* bytes in buf */
  size_t header_end;     /* 0 until the header is complete */
  long content_length;   /* -1: none */
  int is_chunked, is_close, status;
  char buf[BUFFER_BYTES];
};

/* options */
static enum mode mode = MODE_KEEPALIVE;
static int port = 0, use_tls = 0, tls_version = TLS1_3_VERSION, connections = 16;
static double seconds = 5, warmup = 0, rate = 0;
static long max_requests = 0;
static const char *cert_file = NULL, *key_file = NULL, *path = "/", *extra_header = NULL, *host = "localhost", *groups = "P-256";

/* state */
static SSL_CTX *ctx;
static int ep, timer_fd = -1;
static struct conn *conns;
static char request[4096];
static size_t request_len;
static int is_measuring = 0;
static double measure_start, deadline;
static long completed = 0, ok = 0, non2xx = 0, handshakes = 0, resumed = 0, server_closes = 0;
static long errors[E_COUNT];
static char first_error[256] = "";
static char protocol[32] = "", cipher[64] = "", group[32] = "";
static uint32_t *latencies; /* microseconds */
static size_t latency_count = 0;
static long scheduled = 0;       /* latency mode: requests issued so far */
static double schedule_base = 0; /* latency mode: time of request 0 */
static long max_backlog = 0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void fail_hard(const char *what) {
  fprintf(stderr, "loadgen: %s\n", what);
  ERR_print_errors_fp(stderr);
  exit(2);
}

/* Errors during the warm-up are counted too: they invalidate the run as much. */
static void note_error(enum error_kind kind, const char *detail) {
  errors[kind]++;
  if (first_error[0] == '\0') {
    unsigned long code = ERR_peek_error();
    char ssl_text[160] = "";
    if (code != 0) ERR_error_string_n(code, ssl_text, sizeof ssl_text);
    snprintf(first_error, sizeof first_error, "%s: %s %s", ERROR_NAMES[kind], detail, ssl_text);
  }
  ERR_clear_error();
}

static void close_conn(struct conn *c, int is_clean) {
  if (c->ssl != NULL) {
    if (is_clean) SSL_shutdown(c->ssl); /* sends close_notify; the answer is not awaited */
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = ST_WAITING;
}

static void reset_response(struct conn *c) {
  c->len = 0;
  c->header_end = 0;
  c->content_length = -1;
  c->is_chunked = 0;
  c->is_close = 0;
  c->status = 0;
  c->written = 0;
}

static void start_connect(struct conn *c, double t) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) fail_hard("socket() failed");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  reset_response(c);
  c->last_progress = t;
  if (mode == MODE_HANDSHAKE) {
    c->request_at = t;
    c->request_counts = is_measuring;
  }
  int r = connect(c->fd, (struct sockaddr *)&address, sizeof address);
  if (r < 0 && errno != EINPROGRESS) {
    note_error(E_CONNECT, strerror(errno));
    close(c->fd);
    c->fd = -1;
    c->state = ST_WAITING;
    c->retry_at = t + 0.01;
    return;
  }
  c->state = ST_CONNECTING;
  struct epoll_event event = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &event) < 0) fail_hard("epoll_ctl failed");
}

static void begin_request(struct conn *c, double scheduled_at) {
  reset_response(c);
  c->request_at = scheduled_at;
  c->request_counts = is_measuring && (mode != MODE_LATENCY || scheduled_at >= measure_start);
  c->state = ST_WRITE;
}

/* After a handshake (or a plain connect): what the connection does next. */
static void after_connected(struct conn *c, double t) {
  if (mode == MODE_LATENCY) c->state = ST_IDLE;
  else if (mode == MODE_HANDSHAKE) {
    reset_response(c);
    c->state = ST_WRITE;
  } else begin_request(c, t);
}

static int header_has(const char *line, size_t line_len, const char *name, const char **value) {
  size_t n = strlen(name);
  if (line_len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') return 0;
  const char *v = line + n + 1;
  while (*v == ' ' || *v == '\t') v++;
  *value = v;
  return 1;
}

static int contains_token(const char *value, const char *end, const char *token) {
  size_t n = strlen(token);
  for (const char *p = value; p + n <= end; p++)
    if (strncasecmp(p, token, n) == 0) return 1;
  return 0;
}

/* 1: a whole response is in buf; 0: more is needed; -1: malformed. */
static int parse_response(struct conn *c) {
  if (c->header_end == 0) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) return c->len >= sizeof c->buf ? -1 : 0;
    c->header_end = (size_t)(end - c->buf) + 4;
    if (c->len < 12 || strncmp(c->buf, "HTTP/1.", 7) != 0) return -1;
    c->status = atoi(c->buf + 9);
    const char *line = (const char *)memchr(c->buf, '\n', c->header_end) + 1;
    const char *headers_end = c->buf + c->header_end - 2;
    while (line < headers_end) {
      const char *eol = memmem(line, (size_t)(headers_end - line) + 2, "\r\n", 2);
      if (eol == NULL) return -1;
      const char *value;
      size_t line_len = (size_t)(eol - line);
      if (header_has(line, line_len, "content-length", &value)) c->content_length = strtol(value, NULL, 10);
      else if (header_has(line, line_len, "transfer-encoding", &value)) c->is_chunked = contains_token(value, eol, "chunked");
      else if (header_has(line, line_len, "connection", &value)) c->is_close = contains_token(value, eol, "close");
      line = eol + 2;
    }
    if (c->status >= 100 && c->status < 200) return -1; /* no 1xx expected from these servers */
  }
  if (c->is_chunked) {
    size_t p = c->header_end;
    for (;;) {
      char *eol = memmem(c->buf + p, c->len - p, "\r\n", 2);
      if (eol == NULL) return c->len >= sizeof c->buf ? -1 : 0;
      long size = strtol(c->buf + p, NULL, 16);
      p = (size_t)(eol - c->buf) + 2;
      if (size == 0) return c->len >= p + 2 ? 1 : 0; /* no trailers */
      if (c->len < p + (size_t)size + 2) return c->len >= sizeof c->buf ? -1 : 0;
      p += (size_t)size + 2;
    }
  }
  if (c->content_length >= 0) {
    if (c->header_end + (size_t)c->content_length > sizeof c->buf) return -1;
    return c->len >= c->header_end + (size_t)c->content_length ? 1 : 0;
  }
  return c->len >= sizeof c->buf ? -1 : 0; /* body until EOF */
}

static void record_response(struct conn *c, double t) {
  if (!c->request_counts) return;
  completed++;
  if (c->status >= 200 && c->status < 300) ok++;
  else non2xx++;
  if (latency_count < MAX_LATENCY_SAMPLES) {
    double us = (t - c->request_at) * 1e6;
    latencies[latency_count++] = us > 4e9 ? 4000000000u : (uint32_t)us;
  }
}

/* A complete response: what the connection does next. */
static void on_response(struct conn *c, double t) {
  record_response(c, t);
  if (mode == MODE_HANDSHAKE) {
    close_conn(c, 1);
    start_connect(c, t);
    return;
  }
  if (c->is_close) {
    server_closes++;
    close_conn(c, 1);
    start_connect(c, t);
    return;
  }
  if (mode == MODE_LATENCY) {
    reset_response(c);
    c->state = ST_IDLE;
  } else begin_request(c, t);
}

static void drop(struct conn *c, enum error_kind kind, const char *detail, double t) {
  note_error(kind, detail);
  close_conn(c, 0);
  c->retry_at = t;
}

static void drive(struct conn *c, double t) {
  for (;;) {
    switch (c->state) {
      case ST_WAITING:
      case ST_IDLE:
        return;
      case ST_CONNECTING: {
        int error = 0;
        socklen_t size = sizeof error;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &size);
        if (error == EINPROGRESS) return;
        if (error != 0) return drop(c, E_CONNECT, strerror(error), t);
        c->last_progress = t;
        if (use_tls) {
          c->ssl = SSL_new(ctx);
          SSL_set_fd(c->ssl, c->fd);
          SSL_set_connect_state(c->ssl);
          c->state = ST_HANDSHAKE;
        } else after_connected(c, t);
        break;
      }
      case ST_HANDSHAKE: {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
          int e = SSL_get_error(c->ssl, r);
          if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
          return drop(c, E_HANDSHAKE, e == SSL_ERROR_SYSCALL ? strerror(errno) : "TLS", t);
        }
        c->last_progress = t;
        handshakes++;
        if (SSL_session_reused(c->ssl)) resumed++;
        if (protocol[0] == '\0') {
          snprintf(protocol, sizeof protocol, "%s", SSL_get_version(c->ssl));
          snprintf(cipher, sizeof cipher, "%s", SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
          int nid = SSL_get_negotiated_group(c->ssl);
          const char *name = nid == 0 ? "?" : OBJ_nid2sn(nid & ~TLSEXT_nid_unknown);
          snprintf(group, sizeof group, "%s", name == NULL ? "?" : name);
        }
        after_connected(c, t);
        break;
      }
      case ST_WRITE: {
        while (c->written < request_len) {
          ssize_t n;
          if (c->ssl != NULL) {
            int r = SSL_write(c->ssl, request + c->written, (int)(request_len - c->written));
            if (r <= 0) {
              int e = SSL_get_error(c->ssl, r);
              if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
              return drop(c, E_WRITE, "TLS", t);
            }
            n = r;
          } else {
            n = write(c->fd, request + c->written, request_len - c->written);
            if (n < 0) {
              if (errno == EAGAIN) return;
              return drop(c, E_WRITE, strerror(errno), t);
            }
          }
          c->written += (size_t)n;
        }
        c->last_progress = t;
        c->state = ST_READ;
        break;
      }
      case ST_READ: {
        ssize_t n;
        size_t room = sizeof c->buf - c->len;
        if (room == 0) return drop(c, E_PARSE, "response larger than the buffer", t);
        if (c->ssl != NULL) {
          int r = SSL_read(c->ssl, c->buf + c->len, (int)room);
          if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            n = e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) ? 0 : -1;
          } else n = r;
        } else {
          n = read(c->fd, c->buf + c->len, room);
          if (n < 0 && errno == EAGAIN) return;
        }
        if (n < 0) return drop(c, E_READ, c->ssl != NULL ? "TLS" : strerror(errno), t);
        if (n == 0) {
          /* EOF: a complete answer only for a body delimited by the close. */
          if (c->header_end != 0 && c->content_length < 0 && !c->is_chunked) {
            record_response(c, t);
            close_conn(c, 0);
            start_connect(c, t);
            return;
          }
          return drop(c, E_EOF, c->len == 0 ? "closed before any response" : "closed mid-response", t);
        }
        c->len += (size_t)n;
        c->last_progress = t;
        int parsed = parse_response(c);
        if (parsed < 0) return drop(c, E_PARSE, "malformed response", t);
        if (parsed == 1) on_response(c, t);
        break;
      }
    }
  }
}

/* Latency mode: hands every request now due to an idle connection. */
static void dispatch_due(double t) {
  if (mode != MODE_LATENCY) return;
  if (rate <= 0) {
    for (int i = 0; i < connections; i++)
      if (conns[i].state == ST_IDLE) {
        begin_request(&conns[i], t);
        drive(&conns[i], t);
      }
    return;
  }
  for (int i = 0; i < connections && schedule_base + scheduled / rate <= t; i++) {
    struct conn *c = &conns[i];
    if (c->state != ST_IDLE) continue;
    begin_request(c, schedule_base + scheduled / rate);
    scheduled++;
    drive(c, t);
  }
  long backlog = (long)((t - schedule_base) * rate) - scheduled;
  if (backlog > max_backlog) max_backlog = backlog;
}

static void arm_timer(double t) {
  if (timer_fd < 0 || rate <= 0) return;
  double next = schedule_base + scheduled / rate;
  double wait = next - t;
  if (wait < 1e-6) wait = 1e-6;
  struct itimerspec spec = {0};
  spec.it_value.tv_sec = (time_t)wait;
  spec.it_value.tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9);
  timerfd_settime(timer_fd, 0, &spec, NULL);
}

static int compare_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t percentile(double p) {
  if (latency_count == 0) return 0;
  size_t index = (size_t)(p * (double)(latency_count - 1) + 0.5);
  return latencies[index];
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --mode handshake|keepalive|latency --port N [--tls 1.2|1.3 --cert chain.pem --key key.pem]\n"
                  "               [--connections N] [--seconds S] [--warmup S] [--requests N] [--rate R] [--path P] [--header H] [--host H] [--groups G]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *name = argv[i];
    if (i + 1 >= argc) usage();
    const char *value = argv[++i];
    if (strcmp(name, "--mode") == 0) {
      if (strcmp(value, "handshake") == 0) mode = MODE_HANDSHAKE;
      else if (strcmp(value, "keepalive") == 0) mode = MODE_KEEPALIVE;
      else if (strcmp(value, "latency") == 0) mode = MODE_LATENCY;
      else usage();
    } else if (strcmp(name, "--port") == 0) port = atoi(value);
    else if (strcmp(name, "--tls") == 0) {
      use_tls = 1;
      tls_version = strcmp(value, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
    } else if (strcmp(name, "--cert") == 0) cert_file = value;
    else if (strcmp(name, "--key") == 0) key_file = value;
    else if (strcmp(name, "--connections") == 0) connections = atoi(value);
    else if (strcmp(name, "--seconds") == 0) seconds = atof(value);
    else if (strcmp(name, "--warmup") == 0) warmup = atof(value);
    else if (strcmp(name, "--requests") == 0) max_requests = atol(value);
    else if (strcmp(name, "--rate") == 0) rate = atof(value);
    else if (strcmp(name, "--path") == 0) path = value;
    else if (strcmp(name, "--header") == 0) extra_header = value;
    else if (strcmp(name, "--host") == 0) host = value;
    else if (strcmp(name, "--groups") == 0) groups = value;
    else usage();
  }
  if (port <= 0 || port > 65535 || connections <= 0 || seconds <= 0) usage();
  if (mode == MODE_HANDSHAKE && !use_tls) usage();
  signal(SIGPIPE, SIG_IGN);

  if (use_tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) fail_hard("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ctx, tls_version);
    SSL_CTX_set_max_proto_version(ctx, tls_version);
    /* Every handshake is a full one: nothing is cached, no ticket is asked for or kept. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* The generator does not check the server's certificate (bench/gateway.ts checks each
     * server once with a verifying client); it does present its own. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (SSL_CTX_set1_groups_list(ctx, groups) != 1) fail_hard("bad --groups");
    /* TLS 1.2: one suite offered, so that servers preferring different ones are measured alike
     * (TLS 1.3 suites are chosen the same way by both: OpenSSL's default order). */
    if (tls_version == TLS1_2_VERSION && SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256") != 1) fail_hard("cipher list");
    static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    if (cert_file != NULL && SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) fail_hard("cannot read --cert");
    if (key_file != NULL && SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) fail_hard("cannot read --key");
  }
  request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: symbolon-bench-loadgen\r\nAccept: */*\r\n%s%s\r\n", path, host,
                                 extra_header == NULL ? "" : extra_header, extra_header == NULL ? "" : "\r\n");
  if (request_len >= sizeof request) fail_hard("the request is longer than its buffer");
  latencies = malloc(sizeof *latencies * MAX_LATENCY_SAMPLES);
  conns = calloc((size_t)connections, sizeof *conns);
  if (latencies == NULL || conns == NULL) fail_hard("out of memory");
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail_hard("epoll_create1 failed");
  if (mode == MODE_LATENCY && rate > 0) {
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = TIMER_TAG};
    if (timer_fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, timer_fd, &event) < 0) fail_hard("timerfd failed");
  }

  double start = now();
  measure_start = start + warmup;
  deadline = measure_start + seconds;
  is_measuring = warmup <= 0;
  double cpu_start = cpu_seconds();
  for (int i = 0; i < connections; i++) {
    conns[i].fd = -1;
    start_connect(&conns[i], start);
  }
  if (mode == MODE_LATENCY) {
    /* Connections are opened (and TLS set up) before the first scheduled request. */
    schedule_base = start + (warmup > 0.2 ? 0.2 : warmup);
    arm_timer(start);
  }
  struct epoll_event events[256];
  double last_sweep = start;
  for (;;) {
    double t = now();
    if (!is_measuring && t >= measure_start) {
      is_measuring = 1;
      completed = ok = non2xx = handshakes = resumed = server_closes = 0;
      latency_count = 0;
      max_backlog = 0;
      cpu_start = cpu_seconds();
    }
    if (t >= deadline || (max_requests > 0 && completed >= max_requests)) break;
    double until = (is_measuring ? deadline : measure_start) - t;
    int timeout_ms = (int)(until * 1000) + 1;
    if (timeout_ms > 250) timeout_ms = 250;
    int n = epoll_wait(ep, events, 256, timeout_ms);
    t = now();
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == TIMER_TAG) {
        uint64_t expirations;
        if (read(timer_fd, &expirations, sizeof expirations) < 0) { /* nothing to do */ }
        continue;
      }
      drive(events[i].data.ptr, t);
    }
    dispatch_due(t);
    arm_timer(t);
    if (t - last_sweep >= 0.1) {
      last_sweep = t;
      for (int i = 0; i < connections; i++) {
        struct conn *c = &conns[i];
        if (c->state == ST_WAITING && t >= c->retry_at) {
          start_connect(c, t);
          drive(c, t);
        } else if (c->state != ST_WAITING && c->state != ST_IDLE && t - c->last_progress > STALL_SECONDS) {
          drop(c, E_STALL, "no progress", t);
        }
      }
    }
  }
  double end = now();
  double cpu = cpu_seconds() - cpu_start;
  double elapsed = end - measure_start;
  for (int i = 0; i < connections; i++) close_conn(&conns[i], 0);
  qsort(latencies, latency_count, sizeof *latencies, compare_u32);

  long error_total = 0;
  for (int k = 0; k < E_COUNT; k++) error_total += errors[k];
  printf("{\"mode\":\"%s\",\"port\":%d,\"tls\":%s,\"connections\":%d,\"seconds\":%.3f,\"requests\":%ld,\"perSecond\":%.1f,"
         "\"ok\":%ld,\"non2xx\":%ld,\"errors\":%ld,\"errorKinds\":{",
         mode == MODE_HANDSHAKE ? "handshake" : mode == MODE_KEEPALIVE ? "keepalive" : "latency", port, use_tls ? "true" : "false",
         connections, elapsed, completed, completed / elapsed, ok, non2xx, error_total);
  for (int k = 0; k < E_COUNT; k++) printf("%s\"%s\":%ld", k == 0 ? "" : ",", ERROR_NAMES[k], errors[k]);
  printf("},\"firstError\":\"");
  for (const char *p = first_error; *p != '\0'; p++)
    if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) putchar(*p);
  printf("\",\"handshakes\":%ld,\"resumed\":%ld,\"serverCloses\":%ld,\"protocol\":\"%s\",\"cipher\":\"%s\",\"group\":\"%s\","
         "\"rate\":%.1f,\"maxBacklog\":%ld,\"latencyUs\":{\"samples\":%zu,\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u},"
         "\"cpuSeconds\":%.3f,\"cpuPercent\":%.1f}\n",
         handshakes, resumed, server_closes, protocol, cipher, group, rate, max_backlog, latency_count, percentile(0.5), percentile(0.9),
         percentile(0.99), percentile(0.999), latency_count == 0 ? 0 : latencies[latency_count - 1], cpu, 100 * cpu / elapsed);
  return 0;
}
