package commerce

import "context"

// Owned is the session operations of one owner, as the agent surfaces use
// them: Create records the owner on the new session, and Get, Update,
// Complete and Cancel treat a session of any other owner as if it did not
// exist: ENOTFOUND, with the same message as an unknown id, before
// anything about the session (status, payments) is looked at or changed.
//
// The owner is an opaque string the surface chooses; it is compared
// exactly. An empty owner reaches no session at all, so a surface that
// forgets to say who is asking fails closed.
//
// [Service]'s own Get, Update, Complete and Cancel are not scoped: they
// serve callers whose right to the session is its id itself, the hosted
// checkout page (the buyer holds the session's URL) and the merchant's
// own tools.
type Owned struct {
	s     *Service
	owner string
	match func(sessionOwner string) bool
}

// For returns the session operations of owner.
func (s *Service) For(owner string) Owned { return Owned{s: s, owner: owner} }

// ForMatching is [Service.For] for a surface whose owners are not compared
// exactly: the operations reach the sessions whose owner match accepts
// (Create still records owner). An empty owner still reaches nothing.
// The ChatGPT App uses it for its conversation binding (internal/mcpapp).
func (s *Service) ForMatching(owner string, match func(sessionOwner string) bool) Owned {
	return Owned{s: s, owner: owner, match: match}
}

// Owner is the owner o acts for.
func (o Owned) Owner() string { return o.owner }

// Create is [Service.Create] with in.Owner set to o's owner.
func (o Owned) Create(ctx context.Context, in CreateInput, hooks *TxHooks[*View]) (*View, error) {
	in.Owner = o.owner
	return o.s.Create(ctx, in, hooks)
}

// Get is [Service.Get] for o's sessions only.
func (o Owned) Get(ctx context.Context, id string) (*View, error) {
	return o.s.get(ctx, o.access(), id)
}

// Update is [Service.Update] for o's sessions only.
func (o Owned) Update(ctx context.Context, id string, in UpdateInput, hooks *TxHooks[*View]) (*View, error) {
	return o.s.update(ctx, o.access(), id, in, hooks)
}

// Complete is [Service.Complete] for o's sessions only.
func (o Owned) Complete(ctx context.Context, id string, in CompleteInput, hooks *TxHooks[*View]) (*View, error) {
	return o.s.complete(ctx, o.access(), id, in, hooks)
}

// Cancel is [Service.Cancel] for o's sessions only.
func (o Owned) Cancel(ctx context.Context, id string, hooks *TxHooks[*View]) (*View, error) {
	return o.s.cancel(ctx, o.access(), id, hooks)
}

func (o Owned) access() access { return access{scoped: true, owner: o.owner, match: o.match} }

// access is who asks for a session: anyone holding its id (the zero
// value), or one owner (with match, the owners it accepts).
type access struct {
	scoped bool
	owner  string
	match  func(sessionOwner string) bool
}

// reaches reports whether a may see sess.
func (a access) reaches(sess *Session) bool {
	switch {
	case !a.scoped:
		return true
	case a.owner == "":
		return false
	case a.match != nil:
		return a.match(sess.Owner)
	}
	return sess.Owner == a.owner
}

// lockFor is LockSessionPayments for a: a session a may not reach is
// ENOTFOUND, exactly as an unknown id.
func lockFor(ctx context.Context, tx Executor, a access, id string) (*Session, []*Payment, error) {
	sess, payments, err := tx.LockSessionPayments(ctx, id)
	if err != nil {
		return nil, nil, notFound(err, id)
	}
	if !a.reaches(sess) {
		return nil, nil, notFound(ErrNotFound, id)
	}
	return sess, payments, nil
}
