using MudBlazor;

namespace MoT.Dashboard.Components.Layout;

/// <summary>The dashboard's MudBlazor theme.</summary>
public static class DashboardTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
        },
    };
}
