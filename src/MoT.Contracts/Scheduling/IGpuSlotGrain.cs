using MoT.Contracts.Runs;

namespace MoT.Contracts.Scheduling;

/// <summary>One training device of one silo; lives on that silo. Key: "siloName/deviceIndex".</summary>
public interface IGpuSlotGrain : IGrainWithStringKey
{
    /// <summary>Starts training the run off the grain scheduler; returns at once.</summary>
    Task<CommandResult> StartAsync(SlotAssignment assignment);

    /// <summary>Stops the run if this slot is training it.</summary>
    Task<CommandResult> StopAsync(Guid runId, StopKind kind);

    Task<SlotInfo> GetInfoAsync();
}
