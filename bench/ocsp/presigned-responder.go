// A pre-signing OCSP responder, the peer of bench/ocsp.ts: it answers POSTed requests from a map
// of request bytes to responses signed beforehand (by `openssl ocsp -reqin ... -respout`), the
// design of Symbolon's cache, in Go's net/http. Requests it has no answer for get `unauthorized`
// (RFC 6960 2.3), as a pre-signing responder does. Run with GOMAXPROCS=1 for one core.
//
//	presigned-responder DIR COUNT   (DIR holds req-N.der and resp-N.der for N < COUNT)
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

// OCSPResponse { responseStatus unauthorized (6) }.
var unauthorized = []byte{0x30, 0x03, 0x0a, 0x01, 0x06}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: presigned-responder DIR COUNT")
		os.Exit(2)
	}
	count, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	answers := make(map[string][]byte, count)
	for i := 0; i < count; i++ {
		request, err := os.ReadFile(filepath.Join(os.Args[1], fmt.Sprintf("req-%d.der", i)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		response, err := os.ReadFile(filepath.Join(os.Args[1], fmt.Sprintf("resp-%d.der", i)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		answers[string(request)] = response
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 65536))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		answer, ok := answers[string(body)]
		if !ok {
			answer = unauthorized
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.Write(answer)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("presigned listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := http.Serve(listener, handler); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
