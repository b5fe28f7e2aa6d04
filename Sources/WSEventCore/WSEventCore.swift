// One import for apps: everything the layers below make public.
//
// The layers, each a target the compiler keeps apart (see Package.swift):
// WSEventWebSocket (RFC 6455 on NIO, usable alone) -> WSEventStreams (ids, epochs, replay,
// fan-out, no wire format) -> WSEventTransports (wire formats, subscribers) -> WSEventRoles
// (producer, relay, fan-in, resuming subscriber) -> WSEventStore (the PostgreSQL log under
// origin streams, optional) -> WSEventService (the server).
@_exported import WSEventRoles
@_exported import WSEventService
@_exported import WSEventStore
@_exported import WSEventStreams
@_exported import WSEventTransports
@_exported import WSEventWebSocket
