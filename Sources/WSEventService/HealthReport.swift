import WSEventRoles
import WSEventStreams
import WSEventTransports

/// The `/healthz` answer: the role, each stream's path, epoch, last id, source and subscriber
/// count, and each upstream's state.
struct HealthReport {
    let role: Role
    let registry: StreamRegistry<EncodedEvent>
    let upstreams: UpstreamLinks

    var json: String {
        let streams = registry.all.map { stream in
            let status = stream.status
            return """
                {"path":"\(status.path)","epoch":"\(status.epoch)","last_id":\(status.lastID),\
                "source":"\(status.source.rawValue)","subscribers":\(status.subscribers)}
                """
        }
        let links = upstreams.all.map { link in
            "{\"url\":\"\(link.url)\",\"state\":\"\(link.state.rawValue)\",\"reconnects\":\(link.reconnects)}"
        }
        return "{\"status\":\"ok\",\"role\":\"\(role.name)\",\"streams\":[\(streams.joined(separator: ","))],\"upstreams\":[\(links.joined(separator: ","))]}\n"
    }
}
