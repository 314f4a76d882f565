namespace MoT.Contracts;

/// <summary>Grain storage provider names, shared by grains and silo configuration.</summary>
public static class StorageNames
{
    /// <summary>The platform's grain state store (memory today; a database-backed provider registers under the same name).</summary>
    public const string Main = "mot";
}

/// <summary>Names of the persistent-state slots each grain type writes into <see cref="StorageNames.Main"/>.</summary>
public static class StateNames
{
    public const string Run = "run";
    public const string Sweep = "sweep";
    public const string Scheduler = "scheduler";
    public const string Leaderboard = "leaderboard";
}

/// <summary>Keys a silo publishes as Orleans silo metadata.</summary>
public static class SiloMetadataKeys
{
    /// <summary>Comma-separated roles of the silo: <c>control</c>, <c>gpu</c>.</summary>
    public const string Roles = "mot.roles";

    /// <summary>Comma-separated training devices of a gpu silo, e.g. <c>cuda:0,cuda:1</c> or <c>cpu:0</c>.</summary>
    public const string Devices = "mot.devices";
}

/// <summary>Silo role names.</summary>
public static class SiloRoles
{
    public const string Control = "control";
    public const string Gpu = "gpu";
}

/// <summary>The well-known keys of singleton grains.</summary>
public static class WellKnownGrainKeys
{
    /// <summary>The one <see cref="Scheduling.ISchedulerGrain"/> of the cluster.</summary>
    public const long Scheduler = 0;
}
