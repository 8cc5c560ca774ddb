// The load side of bench/est.ts, in its own process: EST simpleenroll requests (RFC 7030 4.2.1),
// each on a new TLS 1.3 connection with a full handshake (no session cache, no keep-alive),
// `inFlight` at a time, for `seconds`. Go's crypto/tls and net/http: the generator spends far less
// CPU per enrollment than the server, so the server's core, not the generator, sets the figure.
// Input (JSON on standard input): { url, ca, authorization, csrs: base64[], seconds, inFlight }.
// Prints one JSON line: { "count": answered 200, "failed": others, "seconds": elapsed, "cpuMs": its CPU }.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type job struct {
	URL           string   `json:"url"`
	CA            string   `json:"ca"`
	Authorization string   `json:"authorization"`
	CSRs          []string `json:"csrs"`
	Seconds       float64  `json:"seconds"`
	InFlight      int      `json:"inFlight"`
}

type result struct {
	Count   int64   `json:"count"`
	Failed  int64   `json:"failed"`
	Seconds float64 `json:"seconds"`
	CPUMs   float64 `json:"cpuMs"`
}

func cpuMs() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "enroll-client: cannot read the job:", err)
		os.Exit(2)
	}
	var work job
	if err := json.Unmarshal(input, &work); err != nil || work.InFlight <= 0 || len(work.CSRs) == 0 {
		fmt.Fprintln(os.Stderr, "enroll-client: the job is not valid JSON with inFlight > 0 and CSRs")
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(work.CA)) {
		fmt.Fprintln(os.Stderr, "enroll-client: no CA certificate in the job")
		os.Exit(2)
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			// A new connection and a full TLS 1.3 handshake for every enrollment, as a device makes.
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13},
			ForceAttemptHTTP2: false,
		},
	}
	var count, failed, next atomic.Int64
	start := time.Now()
	deadline := start.Add(time.Duration(work.Seconds * float64(time.Second)))
	var group sync.WaitGroup
	for worker := 0; worker < work.InFlight; worker++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for time.Now().Before(deadline) {
				body := work.CSRs[int(next.Add(1))%len(work.CSRs)]
				request, _ := http.NewRequest("POST", work.URL, bytes.NewReader([]byte(body)))
				request.Header.Set("Authorization", work.Authorization)
				request.Header.Set("Content-Type", "application/pkcs10")
				response, err := client.Do(request)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, response.Body)
				response.Body.Close()
				if response.StatusCode == http.StatusOK {
					count.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	group.Wait()
	out, _ := json.Marshal(result{Count: count.Load(), Failed: failed.Load(), Seconds: time.Since(start).Seconds(), CPUMs: cpuMs()})
	fmt.Println(string(out))
}
