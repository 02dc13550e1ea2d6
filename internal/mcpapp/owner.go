package mcpapp

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// The App reaches only its own sessions. Every session show_checkout
// creates is an app session (owner "app:…"), and update_checkout and
// complete_checkout act through [commerce.Service.For] with the calling
// request's owner, so a session an agent created over REST or /acp/mcp
// (owner "key:…"), or one bound to another conversation, answers exactly
// as an unknown id does.
//
// Where the host sends a conversation id (_meta["openai/session"],
// ChatGPT's anonymised conversation id), the session is bound to it:
// owner "app:" + hex SHA-256 of the id (a fixed length, and the id itself
// is not stored). The binding refuses only a call that carries another
// conversation id ([appReaches]):
//
//   - a session created with a conversation id is refused to calls that
//     carry a different one, and reachable from calls with the same one
//     or with none: a host that leaves _meta out of a later call (hosts
//     are not required to send it on every call) is not locked out of
//     its own session;
//   - a session created without one (owner "app:", also every App session
//     stored before owners existed) is reachable from any App call.
//
// The conversation id is a hint the host sends, not a credential: a
// caller that knows a session id and sends no conversation id, or the
// right one, reaches the session. What the binding adds is that a session
// is not reachable from another conversation of the host. get_order is not scoped: an order id is
// already the key to the public order page (/orders/{id}).

// metaConversation is the request _meta key of the host's conversation id.
const metaConversation = "openai/session"

// appOwnerPrefix starts the owner of every app session. Store migration
// 0006_session_owner gives the App's sessions created before owners
// existed the unbound owner, appOwnerPrefix alone.
const appOwnerPrefix = "app:"

// appOwner is the session owner of a request: app sessions bound to its
// conversation id, if it has one.
func appOwner(req *mcp.CallToolRequest) string {
	conv := ""
	if req != nil && req.Params != nil {
		conv, _ = req.Params.Meta[metaConversation].(string)
	}
	if conv == "" {
		return appOwnerPrefix
	}
	sum := sha256.Sum256([]byte(conv))
	return appOwnerPrefix + hex.EncodeToString(sum[:])
}

// sessions is the checkout operations as req's caller may use them.
func (s *Server) sessions(req *mcp.CallToolRequest) commerce.Owned {
	caller := appOwner(req)
	return s.cfg.Service.ForMatching(caller, func(owner string) bool { return appReaches(caller, owner) })
}

// appReaches reports whether a call whose owner is caller reaches a session
// owned by owner: an App session whose conversation binding agrees with
// the call's wherever both have one.
func appReaches(caller, owner string) bool {
	c, callerApp := strings.CutPrefix(caller, appOwnerPrefix)
	o, sessionApp := strings.CutPrefix(owner, appOwnerPrefix)
	return callerApp && sessionApp && (c == "" || o == "" || c == o)
}
