import ArgumentParser
import WSEventCore

extension ServiceFlags {
    /// `-tls-cert`/`-tls-key` (both or neither) and `-tls-ca`, each checked by loading it, so a
    /// file that does not load is one line before anything listens.
    func applyTLS(to configuration: inout ServiceConfiguration, env: EnvironmentLookup) throws {
        let certificate = tlsCert ?? env["tls-cert"]
        let key = tlsKey ?? env["tls-key"]
        switch (certificate, key) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            let files = ServerTLS(certificateFile: certificate, keyFile: key)
            do {
                _ = try files.makeContext()
            } catch {
                throw ValidationError("-tls-cert/-tls-key: \(error)")
            }
            configuration.tls = files
        case (_?, nil):
            throw ValidationError("-tls-cert needs -tls-key: give both or neither")
        case (nil, _?):
            throw ValidationError("-tls-key needs -tls-cert: give both or neither")
        }
        if let caFile = tlsCA ?? env["tls-ca"] {
            let tls = ClientTLS(caFile: caFile)
            do {
                _ = try tls.makeContext()
            } catch {
                throw ValidationError("-tls-ca: \(error)")
            }
            configuration.upstreamTLS = tls
        }
    }
}
