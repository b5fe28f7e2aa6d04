/// Receives a stream's live events. Every call happens on the subscriber's own event loop.
package protocol StreamSubscriber<Element>: AnyObject {
    associatedtype Element: StreamElement

    /// Writes the event (without flushing): called for each event of a batch.
    func deliver(_ event: Element)
    /// Flushes what the batch wrote: called once per batch.
    func flushBatch()
    /// A relay's upstream began a new epoch: ids restart and old positions mean nothing
    /// (unless the subscriber joined in that epoch already).
    func streamRestarted(epoch: Epoch)
    /// The server is shutting down: say goodbye and close.
    func serverShuttingDown()
}
