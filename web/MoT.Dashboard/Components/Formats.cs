using System.Globalization;

namespace MoT.Dashboard.Components;

/// <summary>Display formats shared by pages.</summary>
public static class Formats
{
    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "",
        { TotalHours: >= 1 } d => $"{(int)d.TotalHours}h {d.Minutes:00}m",
        { TotalMinutes: >= 1 } d => $"{(int)d.TotalMinutes}m {d.Seconds:00}s",
        var d => $"{d.Value.TotalSeconds:0.0}s",
    };

    public static string Loss(double? loss) => loss is { } l ? l.ToString("0.0000", CultureInfo.InvariantCulture) : "—";

    /// <summary>An id as messages and labels show it (<see cref="MoT.Contracts.ShortIds"/>).</summary>
    public static string Short(Guid id) => MoT.Contracts.ShortIds.Of(id);
}
