using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Hosting;
using MoT.Grains.Placement;
using Orleans.Runtime;
using Orleans.Storage;

namespace MoT.Grains.Scheduling;

/// <summary>
/// Matches queued runs to free slots and notices lost slots. Dispatch runs in its own timer turn, never inside a
/// caller's request. A run whose slot is lost is told so by an awaited call that the scheduler keeps in its state and
/// repeats until the run answers; the run only records its decision and the scheduler queues it again, so no call chain
/// comes back to a waiting grain. Busy slots are verified by asking them (right after activation and periodically).
/// <para>
/// State writes: every call returns after its change is stored, except a slot's release, which is written behind: the
/// releases that arrive before the write's turn share one write (under a burst, one write for many dispatches instead of
/// one each). Nothing the release decides leaves the grain before that write: the runs it hands to the freed slot are
/// started only once a write covers the assignment. A restart between the release and its write therefore finds the slot
/// still busy with the finished run and the next runs still queued, which the busy-slot check after activation corrects
/// (the slot trains nothing: it is freed). No run is lost, none is started twice.
/// </para>
/// </summary>
[RequireSiloRole(SiloRoles.Control)]
public sealed class SchedulerGrain(
    [PersistentState(StateNames.Scheduler, StorageNames.Main)] IPersistentState<SchedulerState> state,
    [FromKeyedServices(ServiceKeys.Clock)] TimeProvider clock,
    IClusterMembershipService membership,
    IOptions<SchedulerOptions> options,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private IGrainTimer? _dispatchTimer;
    private bool _dispatchRequested;

    /// <summary>When busy slots were last asked what they train; null: not yet in this activation.</summary>
    private DateTimeOffset? _lastVerified;

    /// <summary>Runs told to stop for a higher-priority one and not yet released (soft state: a stop is harmless to repeat).</summary>
    private readonly HashSet<Guid> _preempting = [];

    /// <summary>Starts a slot turned down since the last dispatch turn (soft state: the busy-slot check finds any lost with the activation).</summary>
    private readonly List<(string SlotKey, Guid RunId, string Message)> _refusals = [];

    /// <summary>Slots sent a start whose answer has not come back: they train nothing yet, and must not be taken for
    /// slots whose run was lost (soft state: with the activation, the unanswered starts go too).</summary>
    private readonly HashSet<string> _startsInFlight = new(StringComparer.Ordinal);

    /// <summary>Assignments made in memory that no completed state write covers yet: their starts wait for one.</summary>
    private readonly List<(string SlotKey, Guid RunId)> _unsentStarts = [];

    /// <summary>Releases taken but not yet written; <see cref="_writeBehind"/> writes them in a turn of its own.</summary>
    private bool _unwritten;

    private IGrainTimer? _writeBehind;

    private bool _deactivating;

    private SchedulerState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A fresh lease for every known slot: stored heartbeat times say nothing about how long this grain was away.
        var now = clock.GetUtcNow();
        foreach (var (key, slot) in S.Slots.ToList())
        {
            S.Slots[key] = slot with { LastHeartbeat = now };
        }

        var interval = options.Value.CheckInterval;
        this.RegisterGrainTimer(async _ => await CheckSlotsAsync(), interval, interval);
        if (S.Queue.Count > 0)
        {
            RequestDispatch();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        if (!_unwritten) return;
        try
        {
            await WriteAndStartAsync();
        }
        catch (Exception error)
        {
            // As if the silo had died here: the next activation's busy-slot check frees the released slots.
            logger.LogWarning("The scheduler could not write its last slot releases before deactivating ({Message})", error.Message);
        }
    }

    public async Task EnqueueAsync(ScheduleRequest request)
    {
        if (S.Queue.Any(e => e.RunId == request.RunId))
        {
            // Queued already, perhaps by a call whose write failed: answered only once the queue is stored.
            if (_unwritten) await WriteAndStartAsync();
            return;
        }

        // A run re-queued by its own attempt (retry, preemption) is no longer running, though its slot stays busy
        // until the attempt's worker releases it.
        S.Running.Remove(request.RunId);

        S.Queue.Add(new QueueEntry(request.RunId, request.Owner, request.Priority, request.SweepId, S.NextSequence++, clock.GetUtcNow()));
        AssignFreeSlots();
        await WriteAndStartAsync(); // a queued run is stored before the caller hears so: it would be lost with the silo otherwise
        RequestDispatchIfPreemptionMayApply();
    }

    public async Task<bool> RemoveAsync(Guid runId)
    {
        var removed = S.Queue.RemoveAll(e => e.RunId == runId) > 0;
        if (removed)
        {
            await WriteAndStartAsync();
        }

        return removed;
    }

    public async Task SetSweepLimitAsync(Guid sweepId, int maxConcurrentRuns)
    {
        S.SweepLimits[sweepId] = Math.Max(1, maxConcurrentRuns);
        await WriteAndStartAsync();
        RequestDispatch();
    }

    public async Task SetSweepPausedAsync(Guid sweepId, bool paused)
    {
        var changed = paused ? S.PausedSweeps.Add(sweepId) : S.PausedSweeps.Remove(sweepId);
        if (!changed) return;
        await WriteAndStartAsync();
        if (!paused) RequestDispatch();
    }

    public async Task RegisterSlotsAsync(string siloName, IReadOnlyList<SlotInfo> slots)
    {
        var now = clock.GetUtcNow();
        var orphaned = new List<(string SlotKey, Guid RunId)>();
        foreach (var slot in slots)
        {
            Guid? busy = null;
            if (S.Slots.TryGetValue(slot.SlotKey, out var known) && !known.Lost && known.Info.BusyRunId is { } runId)
            {
                if (known.Info.SiloAddress == slot.SiloAddress)
                {
                    busy = runId; // the same silo registering again: its attempt is still training
                }
                else
                {
                    // A new incarnation of the silo: the old one died with the attempt before its lease lapsed.
                    orphaned.Add((slot.SlotKey, runId));
                }
            }

            S.Slots[slot.SlotKey] = new SlotStatus(slot with { BusyRunId = busy }, now, Lost: false);
        }

        foreach (var (slotKey, runId) in orphaned)
        {
            OweLostNotice(runId, slotKey, $"silo {siloName} restarted");
        }

        await WriteAndStartAsync();
        logger.LogInformation("Silo {Silo} registered {Count} slot(s)", siloName, slots.Count);
        await DeliverLostNoticesAsync();
        RequestDispatch();
    }

    public Task<bool> HeartbeatAsync(string siloName)
    {
        // Heartbeats are frequent and their timestamps soft state: not persisted (a reactivated scheduler grants
        // every slot a fresh lease, and live silos renew it within one interval).
        var now = clock.GetUtcNow();
        var known = false;
        foreach (var (key, slot) in S.Slots.ToList())
        {
            if (slot.Info.SiloName == siloName && !slot.Lost)
            {
                S.Slots[key] = slot with { LastHeartbeat = now };
                known = true;
            }
        }

        return Task.FromResult(known);
    }

    /// <summary>Frees the slot and hands it the next run, written behind (see the class remarks): returns before the write.</summary>
    public Task ReleaseSlotAsync(string slotKey, Guid runId, SlotRelease release)
    {
        if (S.Running.TryGetValue(runId, out var running) && running.SlotKey == slotKey)
        {
            S.Running.Remove(runId);
            if (release == SlotRelease.NotStarted && running.Queued is { } entry && S.Queue.All(e => e.RunId != runId))
            {
                S.Queue.Add(entry); // same sequence: it keeps its place
                logger.LogWarning("Slot {Slot} could not start run {RunId}; it is queued again", slotKey, runId);
            }
        }

        if (S.Slots.TryGetValue(slotKey, out var slot) && slot.Info.BusyRunId == runId)
        {
            S.Slots[slotKey] = slot with { Info = slot.Info with { BusyRunId = null } };
        }

        AssignFreeSlots();
        WriteBehind();
        RequestDispatchIfPreemptionMayApply();
        return Task.CompletedTask;
    }

    /// <summary>Asks for a write in a turn of its own, after the calls already waiting: the releases among them share it.</summary>
    private void WriteBehind()
    {
        _unwritten = true;
        _writeBehind ??= this.RegisterGrainTimer(WriteBehindAsync, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task WriteBehindAsync(CancellationToken cancellationToken)
    {
        _writeBehind?.Dispose();
        _writeBehind = null;
        if (!_unwritten) return; // another call's write took the releases along
        try
        {
            await WriteAndStartAsync();
        }
        catch (InconsistentStateException error)
        {
            // Another activation wrote the state: this one's view is stale, and none of its unwritten starts was sent.
            logger.LogError("The scheduler's state was written elsewhere ({Message}); this activation steps down", error.Message);
            DeactivateOnIdle();
        }
        catch (Exception error)
        {
            logger.LogWarning("The scheduler could not write its slot releases ({Message}); trying again in a second", error.Message);
        }
    }

    /// <summary>
    /// Writes the whole state, then sends the starts it covers. Every write goes through here, so an assignment's start
    /// leaves with the first write that stores it, whichever call made that write. A failed write keeps them for the next.
    /// </summary>
    private async Task WriteAndStartAsync()
    {
        var covered = _unsentStarts.ToArray();
        _unsentStarts.Clear();
        _unwritten = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _unsentStarts.InsertRange(0, covered);
            _unwritten = true;
            // Whoever called learns of the failure; what the write carried for others is tried again on its own.
            if (!_deactivating) _writeBehind ??= this.RegisterGrainTimer(WriteBehindAsync, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            throw;
        }

        StartAssigned(covered);
    }

    public async Task<IReadOnlyList<string>> CheckSlotsAsync()
    {
        var now = clock.GetUtcNow();
        var lease = options.Value.HeartbeatLease;
        var snapshot = membership.CurrentSnapshot;
        var lost = new List<(string SlotKey, Guid? RunId, string Reason)>();
        foreach (var (key, slot) in S.Slots.ToList())
        {
            if (slot.Lost)
            {
                continue;
            }

            string? reason = null;
            if (SiloAddress.FromParsableString(slot.Info.SiloAddress) is { } address && snapshot.GetSiloStatus(address) == SiloStatus.Dead)
            {
                reason = $"silo {slot.Info.SiloName} declared dead by cluster membership";
            }
            else if (now - slot.LastHeartbeat > lease)
            {
                reason = $"no heartbeat from silo {slot.Info.SiloName} for {(now - slot.LastHeartbeat).TotalSeconds:F0}s (lease {lease.TotalSeconds:F0}s)";
            }

            if (reason is null)
            {
                continue;
            }

            var runId = slot.Info.BusyRunId;
            S.Slots[key] = slot with { Lost = true, Info = slot.Info with { BusyRunId = null } };
            if (runId is { } id)
            {
                OweLostNotice(id, key, reason);
            }

            lost.Add((key, runId, reason));
        }

        foreach (var (slotKey, _, reason) in lost)
        {
            logger.LogWarning("Slot {Slot} lost: {Reason}", slotKey, reason);
        }

        var changed = lost.Count > 0;
        if (_lastVerified is not { } verified || now - verified >= options.Value.SlotVerifyInterval)
        {
            _lastVerified = now;
            changed |= await VerifyBusySlotsAsync();
        }

        if (changed)
        {
            await WriteAndStartAsync();
        }

        await DeliverLostNoticesAsync();
        if (changed)
        {
            RequestDispatch();
        }

        return lost.Select(l => l.SlotKey).ToArray();
    }

    /// <summary>
    /// Asks every busy slot which run it trains. Slots restored busy from storage after a restart, or whose release never
    /// arrived, are freed when they train nothing, and their runs are re-queued; a slot that does not answer in time is
    /// left to its lease. True when anything changed.
    /// </summary>
    private async Task<bool> VerifyBusySlotsAsync()
    {
        var busy = S.Slots.Values.Where(s => !s.Lost && s.Info.BusyRunId is not null && !_startsInFlight.Contains(s.Info.SlotKey)).ToList();
        if (busy.Count == 0)
        {
            return false;
        }

        var timeout = options.Value.SlotVerifyTimeout;
        var answers = await Task.WhenAll(busy.Select(async slot =>
        {
            try
            {
                var info = await GrainFactory.GetGrain<IGpuSlotGrain>(slot.Info.SlotKey).GetInfoAsync().WaitAsync(timeout);
                return (slot.Info.SlotKey, Answered: true, info.BusyRunId);
            }
            catch (Exception)
            {
                return (slot.Info.SlotKey, Answered: false, BusyRunId: (Guid?)null);
            }
        }));

        var changed = false;
        foreach (var (slotKey, answered, trains) in answers)
        {
            // Re-read: a start sent before this turn may have been answered meanwhile, and only what is recorded now counts.
            if (!answered || _startsInFlight.Contains(slotKey) || !S.Slots.TryGetValue(slotKey, out var slot) || slot.Lost || slot.Info.BusyRunId is not { } recorded || trains == recorded)
            {
                continue;
            }

            logger.LogWarning("Slot {Slot} was recorded as training run {RunId} but trains {Actual}; the run is re-queued",
                slotKey, recorded, trains?.ToString() ?? "nothing");
            OweLostNotice(recorded, slotKey, $"slot {slotKey} no longer trains it");
            S.Slots[slotKey] = slot with { Info = slot.Info with { BusyRunId = trains } };
            changed = true;
        }

        return changed;
    }

    /// <summary>Records that <paramref name="runId"/> must hear its slot is gone; persisted by the caller's state write.</summary>
    private void OweLostNotice(Guid runId, string slotKey, string reason)
    {
        // Only the entry of that slot: the run may already train elsewhere (its own attempt check re-queued it first).
        RunningEntry? running = null;
        if (S.Running.TryGetValue(runId, out var entry) && entry.SlotKey == slotKey)
        {
            S.Running.Remove(runId);
            running = entry;
        }

        var queued = running?.Queued
            ?? (running is null ? null : new QueueEntry(runId, running.Owner, 0, running.SweepId, S.NextSequence++, clock.GetUtcNow()));
        S.LostAttempts[runId] = new LostAttempt(runId, slotKey, reason, queued ?? S.LostAttempts.GetValueOrDefault(runId)?.Queued);
    }

    /// <summary>
    /// Tells each run with a lost slot, awaiting its answer: it closes the attempt and decides (budget, failure class);
    /// when it wants to go on, the scheduler queues it again in its old place. A run that cannot be reached keeps its
    /// notice for the next check.
    /// </summary>
    private async Task DeliverLostNoticesAsync()
    {
        if (S.LostAttempts.Count == 0)
        {
            return;
        }

        var changed = false;
        foreach (var notice in S.LostAttempts.Values.ToList())
        {
            bool requeue;
            try
            {
                requeue = await GrainFactory.GetGrain<IRunGrain>(notice.RunId).OnSlotLostAsync(notice.SlotKey, notice.Reason);
            }
            catch (Exception error)
            {
                logger.LogWarning("Run {RunId} did not take the notice that slot {Slot} is lost ({Message}); repeated at the next check",
                    notice.RunId, notice.SlotKey, error.Message);
                continue;
            }

            S.LostAttempts.Remove(notice.RunId);
            changed = true;
            if (requeue && S.Queue.All(e => e.RunId != notice.RunId) && !S.Running.ContainsKey(notice.RunId))
            {
                // Without a recorded entry (the scheduler never dispatched it in this state) the run still runs, at default priority.
                S.Queue.Add(notice.Queued ?? new QueueEntry(notice.RunId, "unknown", 0, null, S.NextSequence++, clock.GetUtcNow()));
            }
        }

        if (changed)
        {
            await WriteAndStartAsync();
            RequestDispatch();
        }
    }

    public Task<SchedulerSnapshot> GetSnapshotAsync() => Task.FromResult(new SchedulerSnapshot(
        SchedulingPolicy.DispatchOrder(S.Queue, S.Running.Values, DispatchLimits(), S.LastServed),
        S.Slots.Values.OrderBy(s => s.Info.SlotKey, StringComparer.Ordinal).ToArray(),
        S.DispatchLog.ToArray()));

    /// <summary>
    /// After a release or an enqueue, which assign free slots in their own turn: a dispatch turn is left with nothing to
    /// do but preempt, so it is asked for only when a queued run outranks a running one. One scheduler turn per release
    /// instead of two: under a burst of releases the scheduler is the queue every dispatch waits in.
    /// </summary>
    private void RequestDispatchIfPreemptionMayApply()
    {
        if (MayPreempt()) RequestDispatch();
    }

    private bool MayPreempt()
    {
        if (!options.Value.PreemptLowerPriority || S.Queue.Count == 0) return false;
        var lowestRunning = int.MaxValue;
        foreach (var running in S.Running.Values)
        {
            if (!_preempting.Contains(running.RunId)) lowestRunning = Math.Min(lowestRunning, Priority(running));
        }

        if (lowestRunning == int.MaxValue) return false;
        foreach (var entry in S.Queue)
        {
            if (entry.Priority > lowestRunning) return true;
        }

        return false;
    }

    private void RequestDispatch()
    {
        if (_dispatchRequested)
        {
            return;
        }

        _dispatchRequested = true;
        _dispatchTimer?.Dispose();
        _dispatchTimer = this.RegisterGrainTimer(DispatchAsync, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Dispatch in its own turn, for changes that did not assign slots themselves (slots registered or found lost, sweep
    /// limits, lost-slot notices) and for starts that failed: refused runs go back to the queue in their old place and
    /// their slots are not used until their silo registers again.
    /// </summary>
    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        _dispatchRequested = false;
        var changed = false;
        foreach (var (slotKey, runId, message) in _refusals)
        {
            logger.LogWarning("Slot {Slot} refused run {RunId}: {Message}", slotKey, runId, message);
            if (S.Running.TryGetValue(runId, out var running) && running.SlotKey == slotKey)
            {
                S.Running.Remove(runId);
                if (running.Queued is { } entry && S.Queue.All(e => e.RunId != runId)) S.Queue.Add(entry);
            }

            if (S.Slots.TryGetValue(slotKey, out var slot))
            {
                S.Slots[slotKey] = slot with { Lost = true, Info = slot.Info with { BusyRunId = slot.Info.BusyRunId == runId ? null : slot.Info.BusyRunId } };
            }

            changed = true;
        }

        _refusals.Clear();
        AssignFreeSlots();
        if (changed || _unwritten || _unsentStarts.Count > 0)
        {
            await WriteAndStartAsync();
        }

        await PreemptForHigherPriorityAsync();
    }

    /// <summary>
    /// Hands every free slot a queued run, in memory only: the assignments join <see cref="_unsentStarts"/>, stored by the
    /// write the caller makes anyway (no write of their own) and started after it. One pick for all free slots
    /// (<see cref="SchedulingPolicy.PickMany"/>), not a sort of the queue per slot.
    /// </summary>
    private void AssignFreeSlots()
    {
        if (S.Queue.Count == 0) return;
        var freeSlots = S.Slots.Values
            .Where(s => !s.Lost && s.Info.BusyRunId is null)
            .Select(s => s.Info.SlotKey)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (freeSlots.Count == 0) return;

        var picks = SchedulingPolicy.PickMany(S.Queue, S.Running.Values, DispatchLimits(), S.LastServed, freeSlots.Count, S.Dispatches);
        if (picks.Count == 0) return;
        var picked = picks.Select(p => p.RunId).ToHashSet();
        S.Queue.RemoveAll(e => picked.Contains(e.RunId));
        for (var i = 0; i < picks.Count; i++)
        {
            var (slotKey, next) = (freeSlots[i], picks[i]);
            S.Running[next.RunId] = new RunningEntry(next.RunId, slotKey, next.Owner, next.SweepId, next);
            S.Slots[slotKey] = S.Slots[slotKey] with { Info = S.Slots[slotKey].Info with { BusyRunId = next.RunId } };
            S.LastServed[next.Owner] = ++S.Dispatches;
            S.DispatchLog.Add(next.RunId);
            _unsentStarts.Add((slotKey, next.RunId));
            _startsInFlight.Add(slotKey); // busy with a run it does not train yet: not for the busy-slot check to free
        }

        var overflow = S.DispatchLog.Count - options.Value.DispatchLogLength;
        if (overflow > 0)
        {
            S.DispatchLog.RemoveRange(0, overflow);
        }
    }

    /// <summary>
    /// Sends the stored assignments to their slots without waiting for the answers: this turn ends at once, so a burst of
    /// releases is not served one slot round trip at a time. An answer only touches soft state (<see cref="_refusals"/>) and
    /// asks for a dispatch turn, which does the rest; a start lost with this activation is found by the busy-slot check.
    /// An assignment undone before its write (its slot found lost meanwhile) is not sent.
    /// </summary>
    private void StartAssigned(IEnumerable<(string SlotKey, Guid RunId)> assignments)
    {
        foreach (var (slotKey, runId) in assignments)
        {
            if (S.Running.TryGetValue(runId, out var running) && running.SlotKey == slotKey)
            {
                _startsInFlight.Add(slotKey);
                _ = StartOneAsync(slotKey, runId);
            }
            else
            {
                _startsInFlight.Remove(slotKey);
            }
        }
    }

    private async Task StartOneAsync(string slotKey, Guid runId)
    {
        string? refusal;
        try
        {
            var result = await GrainFactory.GetGrain<IGpuSlotGrain>(slotKey).StartAsync(new SlotAssignment(runId));
            refusal = result.Changed ? null : result.Message;
        }
        catch (Exception ex)
        {
            refusal = ex.Message;
        }

        _startsInFlight.Remove(slotKey);
        if (refusal is not null)
        {
            _refusals.Add((slotKey, runId, refusal));
            RequestDispatch();
        }
    }

    /// <summary>
    /// Once the free slots are used, each waiting run (in dispatch order) that outranks a running one takes the slot
    /// of the lowest-priority, most recently queued of them. The victim's slot stops it with a checkpoint; its run
    /// queues itself again (a preemption, not a failure) and the freed slot goes to the waiting run through dispatch.
    /// </summary>
    private async Task PreemptForHigherPriorityAsync()
    {
        _preempting.IntersectWith(S.Running.Keys);
        // The usual case, every run at one priority: nobody outranks anyone, and the queue need not be walked.
        if (!MayPreempt()) return;

        // Slots about to come free (a stop under way, or an attempt that re-queued its run and has not released its
        // slot yet) each serve one waiting run already.
        var inFlight = _preempting.Count + S.Slots.Values.Count(s => !s.Lost && s.Info.BusyRunId is { } busy && !S.Running.ContainsKey(busy));
        var waiting = S.Queue.ToList();
        var victims = S.Running.Values.Where(r => !_preempting.Contains(r.RunId)).ToList();
        while (SchedulingPolicy.PickNext(waiting, S.Running.Values, DispatchLimits(), S.LastServed) is { } next)
        {
            waiting.Remove(next);
            if (inFlight-- > 0) continue;
            var victim = victims
                .Where(r => Priority(r) < next.Priority)
                .OrderBy(Priority).ThenByDescending(r => r.Queued?.Sequence ?? long.MaxValue)
                .FirstOrDefault();
            if (victim is null) return; // dispatch order is by priority: no later waiting run outranks anyone either

            victims.Remove(victim);
            _preempting.Add(victim.RunId);
            logger.LogInformation("Run {RunId} (priority {Priority}) preempts run {Victim} (priority {VictimPriority}) on slot {Slot}",
                next.RunId, next.Priority, victim.RunId, Priority(victim), victim.SlotKey);
            try
            {
                var result = await GrainFactory.GetGrain<IGpuSlotGrain>(victim.SlotKey).StopAsync(victim.RunId, StopKind.Preempt);
                if (!result.Changed) _preempting.Remove(victim.RunId);
            }
            catch (Exception ex)
            {
                _preempting.Remove(victim.RunId);
                logger.LogWarning(ex, "Could not preempt run {RunId} on slot {Slot}", victim.RunId, victim.SlotKey);
            }
        }
    }

    /// <summary>The sweep limits dispatch obeys: a paused sweep's limit is 0, so its queued runs wait and its running ones go on.</summary>
    private IReadOnlyDictionary<Guid, int> DispatchLimits()
    {
        if (S.PausedSweeps.Count == 0) return S.SweepLimits;
        var limits = new Dictionary<Guid, int>(S.SweepLimits);
        foreach (var sweep in S.PausedSweeps) limits[sweep] = 0;
        return limits;
    }

    private static int Priority(RunningEntry running) => running.Queued?.Priority ?? 0;
}
