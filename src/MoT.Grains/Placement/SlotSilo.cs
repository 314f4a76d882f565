using MoT.Contracts.Scheduling;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace MoT.Grains.Placement;

/// <summary>Places a slot grain (key "siloName/deviceIndex") on the silo named in its key, the one owning the device.</summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class SlotSiloPlacement : PlacementStrategy
{
    public static SlotSiloPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class keyed "siloName/deviceIndex" for <see cref="SlotSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SlotSiloPlacementAttribute() : PlacementAttribute(SlotSiloPlacement.Instance);

/// <summary>
/// Resolves the silo from the grain key via cluster membership. When that silo is not an active member the activation
/// is refused: the slot is gone with its silo, and the scheduler notices through leases and membership.
/// </summary>
public sealed class SlotSiloPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString() ?? string.Empty;
        var (siloName, _) = SlotInfo.ParseKey(key);
        var compatible = context.GetCompatibleSilos(target);
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && member.Name == siloName && compatible.Contains(member.SiloAddress))
            {
                return Task.FromResult(member.SiloAddress);
            }
        }

        throw new SiloUnavailableException($"Slot '{key}' lives on silo '{siloName}', which is not an active member of the cluster.");
    }
}
