package sqlite

// UseDriver makes Open use the database/sql driver registered as name, until
// the returned function is called. Tests calling it must not run in
// parallel with others that open databases.
func UseDriver(name string) (restore func()) {
	old := driverName
	driverName = name
	return func() { driverName = old }
}
