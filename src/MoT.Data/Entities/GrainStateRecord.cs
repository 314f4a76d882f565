namespace MoT.Data.Entities;

/// <summary>One Orleans grain's persisted state (sweeps, runs, scheduler, leaderboards), so a restarted
/// control silo continues where it stopped. <see cref="Data"/> is the Orleans-serialized state.</summary>
public class GrainStateRecord
{
    /// <summary>"stateName/grainId".</summary>
    public required string Key { get; set; }
    public required string ETag { get; set; }
    public required byte[] Data { get; set; }
    public DateTime UpdatedAt { get; set; }
}
