/// The `/healthz` answer: each stream's path, epoch, last id, source and subscriber count.
struct HealthReport {
    let registry: StreamRegistry

    var json: String {
        let streams = registry.all.map { stream in
            let status = stream.status
            return """
                {"path":"\(status.path)","epoch":"\(status.epoch)","last_id":\(status.lastID),\
                "source":"\(status.source.rawValue)","subscribers":\(status.subscribers)}
                """
        }
        return "{\"status\":\"ok\",\"streams\":[\(streams.joined(separator: ","))]}\n"
    }
}
