//go:build !faultinject

package commerce

// faultPoint marks a point in Complete where crash tests kill the process.
// In normal builds it does nothing and compiles away; see fault_on.go.
func faultPoint(string) {}
