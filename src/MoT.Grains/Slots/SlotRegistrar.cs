using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MoT.Contracts;
using MoT.Contracts.Scheduling;
using MoT.Grains.Hosting;
using Orleans.Runtime;

namespace MoT.Grains.Slots;

/// <summary>
/// Once the silo is active: registers one slot per device with the scheduler, then sends heartbeats on the
/// platform clock; registers again whenever the scheduler no longer knows the slots (e.g. after they were declared lost).
/// On shutdown, while the silo can still send messages, preempts its attempts so their runs resume elsewhere.
/// </summary>
internal sealed class SlotRegistrar(
    IGrainFactory grains,
    TrainingWorkerHost workers,
    IDeviceInventory devices,
    ILocalSiloDetails silo,
    IOptions<GpuSlotOptions> options,
    [FromKeyedServices(ServiceKeys.Clock)] TimeProvider clock,
    ILogger<SlotRegistrar> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SlotRegistrar), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public IReadOnlyList<SlotInfo> Slots() => devices.GetDevices()
        .Select(d => new SlotInfo(SlotInfo.KeyFor(silo.Name, d.Index), silo.Name, silo.SiloAddress.ToParsableString(), d.Index, d.Kind))
        .ToArray();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            // Normally drained already by TrainingDrainService (a host stop); this covers a silo stopped on its own.
            // An ungraceful stop (token already cancelled) leaves recovery to the scheduler's leases and reconciliation.
            await workers.DrainAsync(options.Value.DrainTimeout);
        }

        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler);
        var registered = false;
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!registered)
                {
                    // Activating each slot grain here proves its placement on this silo before the scheduler uses it.
                    var slots = await Task.WhenAll(Slots().Select(s => grains.GetGrain<IGpuSlotGrain>(s.SlotKey).GetInfoAsync()));
                    await scheduler.RegisterSlotsAsync(silo.Name, slots);
                    registered = true;
                }
                else
                {
                    registered = await scheduler.HeartbeatAsync(silo.Name);
                    if (!registered)
                    {
                        continue; // register again right away
                    }
                }
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // No control silo yet, or it is moving: try again shortly.
                logger.LogInformation("Slot registration/heartbeat from {Silo} failed: {Message}", silo.Name, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }

            try
            {
                await timer.WaitForNextTickAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
