using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Placement;
using Orleans.Runtime;

namespace MoT.Grains.Slots;

/// <summary>
/// One training device. Placed on the silo named in its key; hands the work to the silo's
/// <see cref="TrainingWorkerHost"/>, which trains off the grain scheduler.
/// </summary>
[SlotSiloPlacement]
public sealed class GpuSlotGrain(TrainingWorkerHost workers, IDeviceInventory devices, ILocalSiloDetails silo) : Grain, IGpuSlotGrain
{
    private string SlotKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (siloName, deviceIndex) = SlotInfo.ParseKey(SlotKey);
        if (siloName != silo.Name)
        {
            throw new InvalidOperationException($"Slot {SlotKey} activated on silo {silo.Name}; it belongs on {siloName}.");
        }

        if (devices.GetDevices().All(d => d.Index != deviceIndex))
        {
            throw new InvalidOperationException($"Silo {silo.Name} has no device {deviceIndex} (devices: {string.Join(", ", devices.GetDevices())}).");
        }

        return Task.CompletedTask;
    }

    public Task<CommandResult> StartAsync(SlotAssignment assignment) => Task.FromResult(workers.TryStart(SlotKey, assignment.RunId));

    public Task<CommandResult> StopAsync(Guid runId, StopKind kind) => Task.FromResult(workers.Stop(SlotKey, runId, kind));

    public Task<SlotInfo> GetInfoAsync()
    {
        var (_, deviceIndex) = SlotInfo.ParseKey(SlotKey);
        var device = devices.GetDevices().First(d => d.Index == deviceIndex);
        return Task.FromResult(new SlotInfo(SlotKey, silo.Name, silo.SiloAddress.ToParsableString(), deviceIndex, device.Kind, workers.BusyRun(SlotKey)));
    }
}
