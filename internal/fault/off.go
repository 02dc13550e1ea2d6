//go:build !faultinject

// Package fault marks the points where crash-safety tests kill agentshop
// with SIGKILL. In normal builds [Point] does nothing and compiles away;
// binaries built with -tags faultinject die at the point named by the
// AGENTSHOP_FAULT environment variable (see on.go).
//
// Points: in internal/commerce's Complete, "before_provider" (attempt
// claimed, provider not called), "after_provider" (provider answered,
// outcome not recorded) and "after_commit" (outcome recorded, response not
// sent); in internal/webhook, "webhook_after_send" (the endpoint answered
// 2xx, the delivery not recorded).
package fault

// Point marks a point where crash tests kill the process; a no-op here.
func Point(string) {}
