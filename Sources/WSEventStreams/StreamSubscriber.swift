/// What a stream hands its subscribers, in order: events, and the two things that end or
/// reset a subscription.
package enum StreamDelivery<Element: StreamElement> {
    case event(Element)
    /// A relay's upstream began this new epoch.
    case restart(Epoch)
    /// The server is shutting down.
    case shutdown
}

/// Receives a stream's live events. Every call happens on the subscriber's own event loop.
///
/// A subscriber gets each batch in one ``deliver(_:)-(ArraySlice<StreamDelivery<Element>>)``
/// call, so a fast one writes the whole batch and flushes once, without a call per event. The
/// default implementation hands the batch to the per-item methods below, then ``flushBatch()``.
package protocol StreamSubscriber<Element>: AnyObject {
    associatedtype Element: StreamElement

    /// Takes one batch, in order, and flushes what it wrote: called once per batch.
    func deliver(_ batch: ArraySlice<StreamDelivery<Element>>)
    /// Writes the event (without flushing): called for each event of a batch by the default
    /// batch delivery.
    func deliver(_ event: Element)
    /// Flushes what the batch wrote: called once per batch by the default batch delivery.
    func flushBatch()
    /// A relay's upstream began a new epoch: ids restart and old positions mean nothing
    /// (unless the subscriber joined in that epoch already).
    func streamRestarted(epoch: Epoch)
    /// The server is shutting down: say goodbye and close.
    func serverShuttingDown()
    /// What the stream's presence counts it as (``StreamStatus/presence``): its transport, such
    /// as `sse`. Read when it joins and when it leaves, so it must not change in between.
    var presenceKind: String { get }
}

extension StreamSubscriber {
    /// A subscriber that names no transport: one in the same process.
    package var presenceKind: String { "in-process" }

    package func deliver(_ batch: ArraySlice<StreamDelivery<Element>>) {
        for item in batch {
            switch item {
            case .event(let event): deliver(event)
            case .restart(let epoch): streamRestarted(epoch: epoch)
            case .shutdown: serverShuttingDown()
            }
        }
        flushBatch()
    }
}
