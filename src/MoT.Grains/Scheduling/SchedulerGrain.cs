using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Hosting;
using MoT.Grains.Placement;
using Orleans.Runtime;

namespace MoT.Grains.Scheduling;

/// <summary>
/// Matches queued runs to free slots and notices lost slots. Dispatch runs in its own timer turn, never inside a
/// caller's request, and the scheduler tells runs about lost slots one-way: no call chain can come back to a waiting grain.
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

    /// <summary>Runs told to stop for a higher-priority one and not yet released (soft state: a stop is harmless to repeat).</summary>
    private readonly HashSet<Guid> _preempting = [];

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

    public async Task EnqueueAsync(ScheduleRequest request)
    {
        if (S.Queue.Any(e => e.RunId == request.RunId))
        {
            return;
        }

        // A run re-queued by its own attempt (retry, preemption) is no longer running, though its slot stays busy
        // until the attempt's worker releases it.
        S.Running.Remove(request.RunId);

        S.Queue.Add(new QueueEntry(request.RunId, request.Owner, request.Priority, request.SweepId, S.NextSequence++, clock.GetUtcNow()));
        await state.WriteStateAsync();
        RequestDispatch();
    }

    public async Task<bool> RemoveAsync(Guid runId)
    {
        var removed = S.Queue.RemoveAll(e => e.RunId == runId) > 0;
        if (removed)
        {
            await state.WriteStateAsync();
        }

        return removed;
    }

    public async Task SetSweepLimitAsync(Guid sweepId, int maxConcurrentRuns)
    {
        S.SweepLimits[sweepId] = Math.Max(1, maxConcurrentRuns);
        await state.WriteStateAsync();
        RequestDispatch();
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
                    S.Running.Remove(runId);
                    orphaned.Add((slot.SlotKey, runId));
                }
            }

            S.Slots[slot.SlotKey] = new SlotStatus(slot with { BusyRunId = busy }, now, Lost: false);
        }

        await state.WriteStateAsync();
        logger.LogInformation("Silo {Silo} registered {Count} slot(s)", siloName, slots.Count);
        foreach (var (slotKey, runId) in orphaned)
        {
            await GrainFactory.GetGrain<IRunGrain>(runId).OnSlotLostAsync(slotKey, $"silo {siloName} restarted");
        }

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

    public async Task ReleaseSlotAsync(string slotKey, Guid runId, SlotRelease release)
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

        await state.WriteStateAsync();
        RequestDispatch();
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
                S.Running.Remove(id);
            }

            lost.Add((key, runId, reason));
        }

        if (lost.Count == 0)
        {
            return [];
        }

        await state.WriteStateAsync();
        foreach (var (slotKey, runId, reason) in lost)
        {
            logger.LogWarning("Slot {Slot} lost: {Reason}", slotKey, reason);
            if (runId is { } id)
            {
                // One-way: the run decides (retry budget, failure class) and re-queues itself to resume from its checkpoint.
                await GrainFactory.GetGrain<IRunGrain>(id).OnSlotLostAsync(slotKey, reason);
            }
        }

        RequestDispatch();
        return lost.Select(l => l.SlotKey).ToArray();
    }

    public Task<SchedulerSnapshot> GetSnapshotAsync() => Task.FromResult(new SchedulerSnapshot(
        SchedulingPolicy.DispatchOrder(S.Queue, S.Running.Values, S.SweepLimits, S.LastServed),
        S.Slots.Values.OrderBy(s => s.Info.SlotKey, StringComparer.Ordinal).ToArray(),
        S.DispatchLog.ToArray()));

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

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        _dispatchRequested = false;
        var freeSlots = S.Slots.Values
            .Where(s => !s.Lost && s.Info.BusyRunId is null)
            .OrderBy(s => s.Info.SlotKey, StringComparer.Ordinal)
            .Select(s => s.Info.SlotKey)
            .ToList();
        foreach (var slotKey in freeSlots)
        {
            var next = SchedulingPolicy.PickNext(S.Queue, S.Running.Values, S.SweepLimits, S.LastServed);
            if (next is null)
            {
                break;
            }

            S.Queue.Remove(next);
            S.Running[next.RunId] = new RunningEntry(next.RunId, slotKey, next.Owner, next.SweepId, next);
            S.Slots[slotKey] = S.Slots[slotKey] with { Info = S.Slots[slotKey].Info with { BusyRunId = next.RunId } };
            S.LastServed[next.Owner] = ++S.Dispatches;
            S.DispatchLog.Add(next.RunId);
            if (S.DispatchLog.Count > options.Value.DispatchLogLength)
            {
                S.DispatchLog.RemoveAt(0);
            }

            await state.WriteStateAsync();

            CommandResult result;
            try
            {
                result = await GrainFactory.GetGrain<IGpuSlotGrain>(slotKey).StartAsync(new SlotAssignment(next.RunId));
            }
            catch (Exception ex)
            {
                result = new CommandResult(false, ex.Message);
            }

            if (!result.Changed)
            {
                // Put the run back where it was and stop using the slot until its silo registers again.
                logger.LogWarning("Slot {Slot} refused run {RunId}: {Message}", slotKey, next.RunId, result.Message);
                S.Running.Remove(next.RunId);
                S.Queue.Add(next);
                S.Slots[slotKey] = S.Slots[slotKey] with { Lost = true, Info = S.Slots[slotKey].Info with { BusyRunId = null } };
                await state.WriteStateAsync();
            }
        }

        await PreemptForHigherPriorityAsync();
    }

    /// <summary>
    /// Once the free slots are used, each waiting run (in dispatch order) that outranks a running one takes the slot
    /// of the lowest-priority, most recently queued of them. The victim's slot stops it with a checkpoint; its run
    /// queues itself again (a preemption, not a failure) and the freed slot goes to the waiting run through dispatch.
    /// </summary>
    private async Task PreemptForHigherPriorityAsync()
    {
        _preempting.IntersectWith(S.Running.Keys);
        if (!options.Value.PreemptLowerPriority || S.Queue.Count == 0) return;

        // Slots about to come free (a stop under way, or an attempt that re-queued its run and has not released its
        // slot yet) each serve one waiting run already.
        var inFlight = _preempting.Count + S.Slots.Values.Count(s => !s.Lost && s.Info.BusyRunId is { } busy && !S.Running.ContainsKey(busy));
        var waiting = S.Queue.ToList();
        var victims = S.Running.Values.Where(r => !_preempting.Contains(r.RunId)).ToList();
        while (SchedulingPolicy.PickNext(waiting, S.Running.Values, S.SweepLimits, S.LastServed) is { } next)
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

    private static int Priority(RunningEntry running) => running.Queued?.Priority ?? 0;
}
