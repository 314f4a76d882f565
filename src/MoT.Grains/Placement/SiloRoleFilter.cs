// The only file that touches the experimental placement-filter API (ORLEANSEXP004): if it changes, only this file changes.
#pragma warning disable ORLEANSEXP004

using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace MoT.Grains.Placement;

/// <summary>Keeps a grain on silos whose metadata lists <see cref="Role"/> among its <see cref="SiloMetadataKeys.Roles"/>.</summary>
public sealed class SiloRolePlacementFilterStrategy(string role, int order) : PlacementFilterStrategy(order)
{
    private const string RoleProperty = "mot-role";

    public string Role { get; private set; } = role;

    public SiloRolePlacementFilterStrategy() : this(string.Empty, 0)
    {
    }

    public override void AdditionalInitialize(GrainProperties properties) =>
        Role = GetPlacementFilterGrainProperty(RoleProperty, properties) ?? string.Empty;

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(
        IServiceProvider services, Type grainClass, GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new KeyValuePair<string, string>(RoleProperty, Role);
    }
}

/// <summary>Activates the grain only on silos with the given role (e.g. control grains never land on a gpu-only silo).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequireSiloRoleAttribute(string role) : PlacementFilterAttribute(new SiloRolePlacementFilterStrategy(role, 0));

internal sealed class SiloRolePlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var role = (filterStrategy as SiloRolePlacementFilterStrategy)?.Role;
        if (string.IsNullOrEmpty(role))
        {
            return silos;
        }

        return silos.Where(silo => HasRole(metadata.GetSiloMetadata(silo), role));
    }

    internal static bool HasRole(SiloMetadata silo, string role) =>
        silo.Metadata.TryGetValue(SiloMetadataKeys.Roles, out var roles)
        && roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(role, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Registration of the role filter and the silo metadata it reads.</summary>
public static class SiloRoleFilterRegistration
{
    /// <summary>Publishes <paramref name="metadata"/> as this silo's metadata and enables <see cref="RequireSiloRoleAttribute"/>.</summary>
    /// <remarks>The dictionary is read when options are built, so roles added to it later during configuration are published too.</remarks>
    public static ISiloBuilder UseRoleMetadata(this ISiloBuilder silo, Dictionary<string, string> metadata)
    {
        silo.UseSiloMetadata(metadata);
        silo.Services.AddPlacementFilter<SiloRolePlacementFilterStrategy, SiloRolePlacementFilterDirector>(ServiceLifetime.Transient);
        return silo;
    }
}
