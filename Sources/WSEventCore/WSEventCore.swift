// One import for apps: everything the layers below make public.
//
// The layers, each a target the compiler keeps apart (see Package.swift):
// WSEventWebSocket (RFC 6455 on NIO, usable alone) -> WSEventStreams (ids, epochs, replay,
// fan-out, no wire format) -> WSEventStorage (the interface a store implements) ->
// WSEventTransports (wire formats, subscribers) -> WSEventRoles (producer, relay, fan-in,
// resuming subscriber) -> WSEventService (the server).
//
// No store comes with it: an app that keeps streams in PostgreSQL adds the `WSEventPostgres`
// product and sets `ServiceConfiguration.store` to a `PostgresStoreConfiguration`.
@_exported import WSEventRoles
@_exported import WSEventService
@_exported import WSEventStorage
@_exported import WSEventStreams
@_exported import WSEventTransports
@_exported import WSEventWebSocket
