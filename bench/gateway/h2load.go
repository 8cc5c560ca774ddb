// The HTTP/2 load generator of bench/gateway.ts (h2load has no client-certificate option): keep-
// alive HTTP/2 sessions over TLS with a client certificate, each with a number of streams in
// flight, GET PATH over and over for a warm-up and then a measured time. Prints one JSON line with
// the fields of loadgen.c's that apply. Go's net/http client, one TLS connection per session
// (counted: a session that reconnects is an error).
//
//	h2load --port N --cert CHAIN --key KEY --ca ROOT [--tls 1.3|1.2] [--sessions 8] [--streams 16]
//	       [--seconds 5] [--warmup 1] [--path /]
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type latency struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	P999    float64 `json:"p999"`
	Max     float64 `json:"max"`
}

type result struct {
	Mode        string           `json:"mode"`
	Connections int              `json:"connections"`
	Streams     int              `json:"streams"`
	Seconds     float64          `json:"seconds"`
	Requests    int64            `json:"requests"`
	PerSecond   float64          `json:"perSecond"`
	Ok          int64            `json:"ok"`
	Non2xx      int64            `json:"non2xx"`
	Errors      int64            `json:"errors"`
	ErrorKinds  map[string]int64 `json:"errorKinds"`
	FirstError  string           `json:"firstError"`
	Handshakes  int64            `json:"handshakes"`
	Resumed     int64            `json:"resumed"`
	Protocol    string           `json:"protocol"`
	Cipher      string           `json:"cipher"`
	Group       string           `json:"group"`
	LatencyUs   latency          `json:"latencyUs"`
	CPUSeconds  float64          `json:"cpuSeconds"`
	CPUPercent  float64          `json:"cpuPercent"`
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return float64(usage.Utime.Sec+usage.Stime.Sec) + float64(usage.Utime.Usec+usage.Stime.Usec)/1e6
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	index := int(p * float64(len(sorted)-1))
	return sorted[index]
}

func main() {
	port := flag.Int("port", 0, "server port on 127.0.0.1")
	certFile := flag.String("cert", "", "client certificate chain (PEM)")
	keyFile := flag.String("key", "", "client key (PEM)")
	caFile := flag.String("ca", "", "root that signed the server's certificate (PEM)")
	tlsVersion := flag.String("tls", "1.3", "1.3 or 1.2")
	sessions := flag.Int("sessions", 8, "HTTP/2 sessions (TLS connections)")
	streams := flag.Int("streams", 16, "streams in flight per session")
	seconds := flag.Float64("seconds", 5, "measured seconds")
	warmup := flag.Float64("warmup", 1, "seconds before the measurement")
	path := flag.String("path", "/", "request path")
	flag.Parse()
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "h2load: "+format+"\n", args...)
		os.Exit(1)
	}
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fail("client certificate: %v", err)
	}
	caPem, err := os.ReadFile(*caFile)
	if err != nil {
		fail("ca: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPem) {
		fail("no certificate in %s", *caFile)
	}
	version := uint16(tls.VersionTLS13)
	if *tlsVersion == "1.2" {
		version = tls.VersionTLS12
	}
	var handshakes, resumed int64
	var stateMutex sync.Mutex
	var state tls.ConnectionState
	config := &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      roots,
		MinVersion:   version,
		MaxVersion:   version,
		NextProtos:   []string{"h2"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			atomic.AddInt64(&handshakes, 1)
			if cs.DidResume {
				atomic.AddInt64(&resumed, 1)
			}
			stateMutex.Lock()
			state = cs
			stateMutex.Unlock()
			return nil
		},
	}
	url := fmt.Sprintf("https://127.0.0.1:%d%s", *port, *path)
	clients := make([]*http.Client, *sessions)
	for i := range clients {
		transport := &http.Transport{TLSClientConfig: config.Clone(), ForceAttemptHTTP2: true, MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
		clients[i] = &http.Client{Transport: transport, Timeout: 30 * time.Second}
		// One request first, alone: the session is set up before the streams start.
		response, err := clients[i].Get(url)
		if err != nil {
			fail("first request: %v", err)
		}
		io.Copy(io.Discard, response.Body)
		response.Body.Close()
		if response.ProtoMajor != 2 {
			fail("the server answered %s, not HTTP/2", response.Proto)
		}
	}
	start := time.Now()
	measureFrom := start.Add(time.Duration(*warmup * float64(time.Second)))
	stopAt := measureFrom.Add(time.Duration(*seconds * float64(time.Second)))
	var requests, ok, non2xx, errors int64
	var errorMutex sync.Mutex
	errorKinds := map[string]int64{}
	firstError := ""
	var cpuAtStart float64
	var cpuOnce sync.Once
	latencies := make([][]float64, *sessions**streams)
	var wait sync.WaitGroup
	for s := 0; s < *sessions; s++ {
		for k := 0; k < *streams; k++ {
			wait.Add(1)
			go func(client *http.Client, slot int) {
				defer wait.Done()
				for {
					sent := time.Now()
					if !sent.Before(stopAt) {
						return
					}
					if !sent.Before(measureFrom) {
						cpuOnce.Do(func() { cpuAtStart = cpuSeconds() })
					}
					response, err := client.Get(url)
					var body []byte
					if err == nil {
						body, err = io.ReadAll(response.Body)
						response.Body.Close()
					}
					done := time.Now()
					if sent.Before(measureFrom) || done.After(stopAt) {
						continue
					}
					atomic.AddInt64(&requests, 1)
					if err != nil {
						atomic.AddInt64(&errors, 1)
						errorMutex.Lock()
						errorKinds["request"]++
						if firstError == "" {
							firstError = err.Error()
						}
						errorMutex.Unlock()
						continue
					}
					if response.StatusCode < 200 || response.StatusCode > 299 || response.ProtoMajor != 2 || !bytes.Equal(body, []byte("ok\n")) {
						atomic.AddInt64(&non2xx, 1)
						continue
					}
					atomic.AddInt64(&ok, 1)
					latencies[slot] = append(latencies[slot], float64(done.Sub(sent).Microseconds()))
				}
			}(clients[s], s**streams+k)
		}
	}
	wait.Wait()
	cpuUsed := cpuSeconds() - cpuAtStart
	all := []float64{}
	for _, list := range latencies {
		all = append(all, list...)
	}
	sort.Float64s(all)
	max := 0.0
	if len(all) > 0 {
		max = all[len(all)-1]
	}
	if handshakes != int64(*sessions) {
		errors++
		errorKinds["reconnected"] = handshakes - int64(*sessions)
		if firstError == "" {
			firstError = fmt.Sprintf("%d TLS handshakes for %d sessions", handshakes, *sessions)
		}
	}
	stateMutex.Lock()
	protocol := "HTTP/2 TLSv1.3"
	if state.Version == tls.VersionTLS12 {
		protocol = "HTTP/2 TLSv1.2"
	}
	cipher := tls.CipherSuiteName(state.CipherSuite)
	stateMutex.Unlock()
	out := result{
		Mode: "h2", Connections: *sessions, Streams: *streams, Seconds: *seconds, Requests: requests, PerSecond: float64(ok) / *seconds,
		Ok: ok, Non2xx: non2xx, Errors: errors, ErrorKinds: errorKinds, FirstError: firstError, Handshakes: handshakes, Resumed: resumed,
		Protocol: protocol, Cipher: cipher, Group: "",
		LatencyUs:  latency{Samples: len(all), P50: percentile(all, 0.5), P90: percentile(all, 0.9), P99: percentile(all, 0.99), P999: percentile(all, 0.999), Max: max},
		CPUSeconds: cpuUsed, CPUPercent: 100 * cpuUsed / *seconds,
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
