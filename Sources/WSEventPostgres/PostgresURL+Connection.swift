import PostgresNIO

extension PostgresURL {
    /// How postgres-nio connects to this store: password authentication over plain TCP (the
    /// only `sslmode` the store supports so far).
    public var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: .disable
        )
    }
}
